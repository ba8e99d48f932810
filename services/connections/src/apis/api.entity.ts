import type { HttpMethod, RetryPolicy, SuccessWhen } from '@flowbridge/contracts';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';
import { ConnectionEntity, type SealedMap } from '../connections/connection.entity';

@Entity({ name: 'apis' })
@Index('IDX_apis_workspace', ['workspaceId'])
@Index('IDX_apis_connection', ['connectionId'])
@Index('UQ_apis_workspace_name', { synchronize: false })
export class ApiEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_apis' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  @Column({ name: 'connection_id', type: 'uuid' })
  connectionId!: string;

  // RESTRICT: a connection an API still uses cannot be deleted (the service answers 409 first).
  @ManyToOne(() => ConnectionEntity, { onDelete: 'RESTRICT', nullable: false })
  @JoinColumn({ name: 'connection_id', foreignKeyConstraintName: 'FK_apis_connection' })
  connection?: ConnectionEntity;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  method!: HttpMethod;

  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'jsonb', default: {} })
  query!: Record<string, string>;

  @Column({ type: 'jsonb', default: {} })
  headers!: Record<string, string>;

  @Column({ name: 'secret_headers', type: 'jsonb', default: {} })
  secretHeaders!: SealedMap;

  @Column({ type: 'jsonb', nullable: true })
  // `unknown` rather than JsonValue: TypeORM's recursive where-types cannot expand a recursive JSON type.
  body!: unknown;

  @Column({ name: 'success_when', type: 'jsonb' })
  successWhen!: SuccessWhen;

  @Column({ name: 'response_mapping', type: 'jsonb', default: {} })
  responseMapping!: Record<string, string>;

  /** Send an Idempotency-Key: true/false, or null for the default (every method but GET and HEAD). */
  @Column({ name: 'idempotency_key', type: 'boolean', nullable: true })
  idempotencyKey!: boolean | null;

  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  retry!: RetryPolicy | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
