import { WorkspaceId } from '@flowbridge/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * received: inbound. Outbound: queued (waiting to be sent, or for a retry), accepted (the Cloud API took it),
 * then Meta's sent, delivered, read; failed when the send was refused or Meta reported it failed.
 */
const STATUSES = ['received', 'queued', 'accepted', 'sent', 'delivered', 'read', 'failed'] as const;

export class ListMessagesQueryDto {
  @ApiPropertyOptional({ description: "The contact's WhatsApp id" })
  @IsOptional()
  @Matches(/^\d{6,15}$/, { message: 'contact must be a WhatsApp id (digits)' })
  contact?: string;

  @ApiPropertyOptional({ enum: ['in', 'out'] })
  @IsOptional()
  @IsIn(['in', 'out'])
  direction?: 'in' | 'out';

  @ApiPropertyOptional({ enum: STATUSES })
  @IsOptional()
  @IsIn(STATUSES)
  status?: (typeof STATUSES)[number];

  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

/** The conversation log, inbound and outbound, with each outbound message's furthest delivery status. */
@ApiTags('messages')
@ApiBearerAuth()
@Controller('messages')
export class MessagesController {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  @Get()
  @ApiOperation({
    summary: 'The conversation log: newest first; inbound messages have the status "received"',
  })
  async list(@WorkspaceId() workspaceId: string, @Query() query: ListMessagesQueryDto) {
    const rows = await this.db.query<
      Array<{
        id: string;
        channelId: string;
        direction: 'in' | 'out';
        contact: string;
        waMessageId: string | null;
        type: string;
        content: unknown;
        occurredAt: Date;
        status: string;
        statusAt: Date | null;
        errors: unknown;
        attempts: number;
      }>
    >(
      `SELECT * FROM (
         SELECT m.id, m.channel_id AS "channelId", m.direction, m.wa_id AS contact,
                m.wa_message_id AS "waMessageId", m.type, m.content, m.occurred_at AS "occurredAt",
                CASE WHEN m.direction = 'in' THEN 'received'
                     WHEN m.send_state IN ('queued', 'sending') THEN 'queued'
                     WHEN m.send_state = 'failed' THEN 'failed'
                     ELSE coalesce(s.status, 'accepted') END AS status,
                s.status_at AS "statusAt",
                CASE WHEN m.send_state = 'failed' THEN jsonb_build_array(m.error) ELSE s.errors END AS errors,
                m.attempts
           FROM whatsapp_messaging.messages m
           LEFT JOIN whatsapp_messaging.statuses s ON m.direction = 'out' AND s.wa_message_id = m.wa_message_id
          WHERE m.workspace_id = $1 AND ($2::text IS NULL OR m.wa_id = $2) AND ($3::text IS NULL OR m.direction = $3)
       ) log
       WHERE $4::text IS NULL OR log.status = $4
       ORDER BY log.id DESC LIMIT $5`,
      [workspaceId, query.contact ?? null, query.direction ?? null, query.status ?? null, query.limit ?? 100],
    );
    return {
      items: rows.map((r) => ({
        ...r,
        occurredAt: r.occurredAt.toISOString(),
        statusAt: r.statusAt?.toISOString() ?? null,
      })),
    };
  }
}
