import type { Problem } from '@flowbridge/flow-engine';
import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  UpdateDateColumn,
  VersionColumn,
} from 'typeorm';

/** A draft: edited freely, never executed, saved with the problems validation found in it. */
@Entity({ name: 'flows' })
// Both partial (live flows only) and one on lower(name): written in the migration, not generated.
@Index('IDX_flows_workspace', { synchronize: false })
@Index('UQ_flows_workspace_name', { synchronize: false })
export class FlowEntity {
  @PrimaryColumn({ type: 'uuid', primaryKeyConstraintName: 'PK_flows' })
  id!: string;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  @Column({ type: 'text' })
  name!: string;

  /** The draft document as submitted (it may be invalid). */
  @Column({ type: 'jsonb' })
  document!: Record<string, unknown>;

  @Column({ type: 'jsonb', default: [] })
  problems!: Problem[];

  /** Channels the flow listens on; empty: every channel of the workspace. */
  @Column({ name: 'channel_ids', type: 'jsonb', default: [] })
  channelIds!: string[];

  @Column({ name: 'active_version', type: 'integer', nullable: true })
  activeVersion!: number | null;

  @Column({ name: 'latest_version', type: 'integer', default: 0 })
  latestVersion!: number;

  @Column({ name: 'activated_at', type: 'timestamptz', nullable: true })
  activatedAt!: Date | null;

  @Column({ name: 'deleted_at', type: 'timestamptz', nullable: true })
  deletedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @VersionColumn()
  version!: number;
}
