import { WorkspaceId } from '@flowbridge/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { MESSAGE_STATUSES, MessageLog, type MessageStatus } from './message-log';

export class ListMessagesQueryDto {
  @ApiPropertyOptional({ description: "The contact's WhatsApp id" })
  @IsOptional()
  @Matches(/^\d{6,15}$/, { message: 'contact must be a WhatsApp id (digits)' })
  contact?: string;

  @ApiPropertyOptional({ enum: ['in', 'out'] })
  @IsOptional()
  @IsIn(['in', 'out'])
  direction?: 'in' | 'out';

  @ApiPropertyOptional({ enum: MESSAGE_STATUSES })
  @IsOptional()
  @IsIn(MESSAGE_STATUSES)
  status?: MessageStatus;

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
  constructor(private readonly log: MessageLog) {}

  @Get()
  @ApiOperation({
    summary: 'The conversation log: newest first; inbound messages have the status "received"',
  })
  async list(@WorkspaceId() workspaceId: string, @Query() query: ListMessagesQueryDto) {
    const rows = await this.log.list(workspaceId, { ...query, limit: query.limit ?? 100 });
    return {
      items: rows.map((r) => ({
        ...r,
        occurredAt: r.occurredAt.toISOString(),
        statusAt: r.statusAt?.toISOString() ?? null,
      })),
    };
  }
}
