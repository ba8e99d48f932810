import type { CallLogEntry } from '@flowbridge/contracts';
import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Every API attempt of a run, as the request engine logged it (secrets masked, bodies cut). */
@Entity({ name: 'call_log' })
@Index('IDX_call_log_run', ['runId', 'id'])
export class CallLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'PK_call_log' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  @Column({ name: 'step_key', type: 'text' })
  stepKey!: string;

  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ name: 'api_id', type: 'text' })
  apiId!: string;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId!: string;

  @Column({ name: 'flow_version', type: 'integer' })
  flowVersion!: number;

  /** `Record` rather than CallLogEntry for TypeORM's where-types; read as CallLogEntry. */
  @Column({ type: 'jsonb' })
  entry!: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}

export type { CallLogEntry };
