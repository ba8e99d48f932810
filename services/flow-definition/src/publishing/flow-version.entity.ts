import type { Trigger } from '@flowbridge/flow-engine';
import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FlowEntity } from '../flows/flow.entity';

/** An immutable snapshot made by Publish; runs execute these, never drafts. */
@Entity({ name: 'flow_versions' })
export class FlowVersionEntity {
  @PrimaryColumn({ name: 'flow_id', type: 'uuid', primaryKeyConstraintName: 'PK_flow_versions' })
  flowId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'PK_flow_versions' })
  number!: number;

  @ManyToOne(() => FlowEntity, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'flow_id', foreignKeyConstraintName: 'FK_flow_versions_flow' })
  flow?: FlowEntity;

  @Column({ name: 'workspace_id', type: 'text' })
  workspaceId!: string;

  /** A FlowDocument, validated and upgraded to the current schema version. `Record` rather than the
   *  document type: TypeORM's recursive where-types cannot expand the recursive condition type. */
  @Column({ type: 'jsonb' })
  document!: Record<string, unknown>;

  /** A copy of the document's triggers, read by trigger matching without loading whole documents. */
  @Column({ type: 'jsonb' })
  triggers!: Trigger[];

  @Column({ name: 'channel_ids', type: 'jsonb' })
  channelIds!: string[];

  @Column({ name: 'published_at', type: 'timestamptz', default: () => 'now()' })
  publishedAt!: Date;
}
