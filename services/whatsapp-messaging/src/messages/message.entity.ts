import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export type SendState = 'queued' | 'sending' | 'sent' | 'failed';

/** The conversation log: what contacts sent (`in`) and what flows sent them (`out`). */
@Entity({ name: 'messages' })
@Index('IDX_messages_contact', ['workspaceId', 'waId', 'id'])
// Meta's message ids are unique: an inbound id seen before is a redelivery (kept for as long as the log).
@Index('UQ_messages_wa_message', ['direction', 'waMessageId'], { unique: true })
// A navigation delivered twice inserts its parts once.
@Index('UQ_messages_navigation_part', ['navigationId', 'part'], { unique: true })
@Index('IDX_messages_unsent', ['channelId', 'waId', 'id'], { where: `send_state IN ('queued', 'sending')` })
// Inbound messages by arrival: what to queue again after a Redis restart (RedisEpochWatcher).
@Index('IDX_messages_inbound_created', ['createdAt'], { where: `direction = 'in'` })
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

  /** Outbound: the navigation this message is a part of, and which part (0, 1, …). */
  @Column({ name: 'navigation_id', type: 'text', nullable: true })
  navigationId!: string | null;

  @Column({ type: 'smallint', nullable: true })
  part!: number | null;

  /** Outbound: queued → sending → sent, or failed (with `error`); null for inbound. */
  @Column({ name: 'send_state', type: 'text', nullable: true })
  sendState!: SendState | null;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  /** When a send that may succeed later is tried again. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /** Set while a send is under way: a row left in `sending` by a crash is in doubt. */
  @Column({ name: 'sending_since', type: 'timestamptz', nullable: true })
  sendingSince!: Date | null;

  /** Outbound: the W3C `traceparent` of the navigation that queued it (its send joins that trace); tracing on. */
  @Column({ name: 'trace_parent', type: 'text', nullable: true })
  traceParent!: string | null;

  @Column({ name: 'sent_at', type: 'timestamptz', nullable: true })
  sentAt!: Date | null;

  /** The Cloud API's last error for this message (the final one when `failed`). */
  @Column({ type: 'jsonb', nullable: true })
  error!: Record<string, unknown> | null;

  /** Inbound: the message this one answers (WhatsApp's context.id), part of its trigger event. */
  @Column({ name: 'reply_to', type: 'text', nullable: true })
  replyTo!: string | null;
}
