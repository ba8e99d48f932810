import type { AuthType, RetryPolicy } from '@flowbridge/contracts';
import type { SealedSecret } from '@flowbridge/platform';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

/** Non-secret auth settings; the secrets live encrypted in `authSecrets`. */
export interface AuthSettings {
  username?: string;
  name?: string;
  in?: 'header' | 'query';
  tokenUrl?: string;
  clientId?: string;
  scope?: string;
  audience?: string;
}

export type SealedMap = Record<string, SealedSecret>;

@Entity({ name: 'connections' })
@Index('IDX_connections_workspace', ['workspaceId'])
// Case-insensitive uniqueness lives in the migration (an expression index TypeORM cannot describe).
@Index('UQ_connections_workspace_title', { synchronize: false })
export class ConnectionEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_connections' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  @Column({ type: 'text' })
  title!: string;

  @Column({ name: 'base_url', type: 'text' })
  baseUrl!: string;

  @Column({ name: 'auth_type', type: 'text' })
  authType!: AuthType;

  @Column({ name: 'auth_settings', type: 'jsonb', default: {} })
  authSettings!: AuthSettings;

  @Column({ name: 'auth_secrets', type: 'jsonb', default: {} })
  authSecrets!: SealedMap;

  @Column({ type: 'jsonb', default: {} })
  headers!: Record<string, string>;

  @Column({ name: 'secret_headers', type: 'jsonb', default: {} })
  secretHeaders!: SealedMap;

  @Column({ name: 'timeout_ms', type: 'integer' })
  timeoutMs!: number;

  @Column({ type: 'jsonb' })
  retry!: RetryPolicy;

  /** Requests per second, or null for no limit. */
  @Column({ name: 'rate_limit', type: 'double precision', nullable: true })
  rateLimit!: number | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
