import type { DeliveryStatus, WhatsappError } from '@flowbridge/contracts';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The furthest delivery status Meta reported for an outbound message, keyed by Meta's id so that a status
 * arriving before the send was recorded is kept too. It only moves forward: sent → delivered → read, or failed.
 */
@Entity({ name: 'statuses' })
@Index('IDX_statuses_callback', ['callbackData'])
export class StatusEntity {
  @PrimaryColumn({ name: 'wa_message_id', type: 'text', primaryKeyConstraintName: 'PK_statuses' })
  waMessageId!: string;

  @Column({ name: 'channel_id', type: 'uuid' })
  channelId!: string;

  @Column({ type: 'text' })
  status!: DeliveryStatus;

  /** sent 1, delivered 2, read 3, failed 4: an update with a lower rank is ignored. */
  @Column({ type: 'smallint' })
  rank!: number;

  @Column({ name: 'status_at', type: 'timestamptz' })
  statusAt!: Date;

  @Column({ type: 'jsonb', nullable: true })
  errors!: WhatsappError[] | null;

  /** The `biz_opaque_callback_data` the message was sent with (our navigation id and part). */
  @Column({ name: 'callback_data', type: 'text', nullable: true })
  callbackData!: string | null;
}
