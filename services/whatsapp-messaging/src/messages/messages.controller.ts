import { ApiAdminKey, JsonSchemas, WorkspaceId } from '@flowbridge/platform';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
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

export class MessageView {
  @ApiProperty()
  id!: string;

  @ApiProperty({ format: 'uuid' })
  channelId!: string;

  @ApiProperty({ enum: ['in', 'out'] })
  direction!: 'in' | 'out';

  @ApiProperty({ description: "The contact's WhatsApp id" })
  contact!: string;

  @ApiProperty({ type: String, nullable: true, description: "Meta's message id (wamid), once known" })
  waMessageId!: string | null;

  @ApiProperty({ example: 'text' })
  type!: string;

  @ApiProperty({ ...JsonSchemas.object, description: 'The message as received or sent' })
  content!: unknown;

  @ApiProperty({ format: 'date-time' })
  occurredAt!: string;

  @ApiProperty({ enum: MESSAGE_STATUSES, description: 'Inbound: received. Outbound: its furthest status' })
  status!: MessageStatus;

  @ApiProperty({ type: String, nullable: true, format: 'date-time' })
  statusAt!: string | null;

  @ApiProperty({
    type: 'array',
    items: JsonSchemas.object,
    description: "Meta's errors for a failed message",
    nullable: true,
  })
  errors!: unknown;

  @ApiProperty({ description: 'Send attempts' })
  attempts!: number;
}

export class MessageList {
  @ApiProperty({ type: [MessageView] })
  items!: MessageView[];
}

/** The conversation log, inbound and outbound, with each outbound message's furthest delivery status. */
@ApiTags('messages')
@ApiAdminKey()
@Controller('messages')
export class MessagesController {
  constructor(private readonly log: MessageLog) {}

  @Get()
  @ApiOperation({
    summary: 'The conversation log: newest first; inbound messages have the status "received"',
  })
  @ApiOkResponse({ type: MessageList })
  async list(@WorkspaceId() workspaceId: string, @Query() query: ListMessagesQueryDto): Promise<MessageList> {
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
