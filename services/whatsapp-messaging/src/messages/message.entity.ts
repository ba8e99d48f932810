import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** The conversation log: what contacts sent (`in`) and what flows sent them (`out`). */
@Entity({ name: 'messages' })
@Index('IDX_messages_contact', ['workspaceId', 'waId', 'id'])
// Meta's message ids are unique: an inbound id seen before is a redelivery (kept for as long as the log).
@Index('UQ_messages_wa_message', ['direction', 'waMessageId'], { unique: true })
export class MessageEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'PK_messages' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ type: 'text' })
  direction!: 'in' | 'out';

  /** The contact's WhatsApp id. */
  @Column({ name: 'wa_id', type: 'text' })
  waId!: string;

  /** Meta's id (`wamid…`); null for an outbound message not accepted yet. */
  @Column({ name: 'wa_message_id', type: 'text', nullable: true })
  waMessageId!: string | null;

  @Column({ type: 'text' })
  type!: string;

  /** Inbound: the parsed message (InboundMessage). Outbound: the Cloud API payload sent. */
  @Column({ type: 'jsonb' })
  content!: Record<string, unknown>;

  /** When WhatsApp says it happened (inbound) or when it was accepted for sending (outbound). */
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
