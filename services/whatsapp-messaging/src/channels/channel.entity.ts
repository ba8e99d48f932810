import type { SealedSecret } from '@flowbridge/platform';
import type { WhatsappError } from '@flowbridge/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A WhatsApp business number connected to a workspace. Token and app secret are sealed (AES-256-GCM). */
@Entity({ name: 'channels' })
@Index('IDX_channels_workspace', ['workspaceId'])
@Index('UQ_channels_phone_number', ['phoneNumberId'], { unique: true })
@Index('IDX_channels_verify_token', ['verifyToken'])
export class ChannelEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_channels' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  /** Meta's id of the number: webhooks name it in `metadata.phone_number_id`. */
  @Column({ name: 'phone_number_id', type: 'text' })
  phoneNumberId!: string;

  @Column({ name: 'display_phone_number', type: 'text' })
  displayPhoneNumber!: string;

  @Column({ name: 'waba_id', type: 'text' })
  wabaId!: string;

  @Column({ name: 'access_token', type: 'jsonb' })
  accessToken!: SealedSecret;

  @Column({ name: 'app_secret', type: 'jsonb' })
  appSecret!: SealedSecret;

  /** What Meta's verify handshake must present (`hub.verify_token`). */
  @Column({ name: 'verify_token', type: 'text' })
  verifyToken!: string;

  @Column({ name: 'graph_api_version', type: 'text', nullable: true })
  graphApiVersion!: string | null;

  @Column({ name: 'messages_per_second', type: 'integer' })
  messagesPerSecond!: number;

  /** The last error Meta reported for this number (a send, or a webhook's `errors`), with when. */
  @Column({ name: 'last_error', type: 'jsonb', nullable: true })
  lastError!: (WhatsappError & { at: string; source: 'send' | 'webhook' }) | null;

  /** False once Meta refused the token (code 190) until the token is replaced. */
  @Column({ name: 'token_valid', type: 'boolean', default: true })
  tokenValid!: boolean;

  /** The private key of the channel's WhatsApp Flows data endpoint (RSA-2048, PKCS#8 PEM), sealed. */
  @Column({ name: 'flow_private_key', type: 'jsonb', nullable: true })
  flowPrivateKey!: SealedSecret | null;

  /** Its public key (SPKI PEM), as uploaded to the Cloud API (`whatsapp_business_encryption`). */
  @Column({ name: 'flow_public_key', type: 'text', nullable: true })
  flowPublicKey!: string | null;

  @Column({ name: 'flow_key_uploaded_at', type: 'timestamptz', nullable: true })
  flowKeyUploadedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
