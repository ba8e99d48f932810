import type { RunState, RunStatus } from '@flowbridge/flow-engine';
import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One contact going through one flow version. `state` is the flow engine's RunState. */
@Entity({ name: 'runs' })
@Index('UQ_runs_live_contact', { synchronize: false })
@Index('IDX_runs_expiry', { synchronize: false })
@Index('IDX_runs_workspace_started', ['workspaceId', 'startedAt'])
export class RunEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_runs' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  @Column({ name: 'channel_id', type: 'text' })
  channelId!: string;

  @Column({ name: 'wa_id', type: 'text' })
  waId!: string;

  @Column({ name: 'flow_id', type: 'uuid' })
  flowId!: string;

  @Column({ name: 'flow_version', type: 'integer' })
  flowVersion!: number;

  @Column({ type: 'text' })
  status!: RunStatus;

  @Column({ name: 'screen_id', type: 'text', nullable: true })
  screenId!: string | null;

  /** `Record` rather than RunState: TypeORM's where-types cannot expand the recursive JSON type. */
  @Column({ type: 'jsonb' })
  state!: Record<string, unknown>;

  @Column({ name: 'end_reason', type: 'text', nullable: true })
  endReason!: string | null;

  @Column({ name: 'started_at', type: 'timestamptz', default: () => 'now()' })
  startedAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}

export function runStateOf(run: RunEntity): RunState {
  return run.state as unknown as RunState;
}
