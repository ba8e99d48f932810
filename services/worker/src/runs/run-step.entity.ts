import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** A screen a run entered, in order, with the event that moved it there and the navigation it sent. */
@Entity({ name: 'run_steps' })
@Index('IDX_run_steps_run', ['runId', 'id'])
export class RunStepEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint', primaryKeyConstraintName: 'PK_run_steps' })
  id!: string;

  @Column({ name: 'run_id', type: 'uuid' })
  runId!: string;

  @Column({ name: 'screen_id', type: 'text' })
  screenId!: string;

  /** What moved the run: start, reply, api_result or expire. */
  @Column({ type: 'text' })
  cause!: string;

  /** `<runId>:<seq>` of the messages sent on entering, or null for a screen without messages. */
  @Column({ name: 'navigation_id', type: 'text', nullable: true })
  navigationId!: string | null;

  @Column({ name: 'entered_at', type: 'timestamptz', default: () => 'now()' })
  enteredAt!: Date;
}
