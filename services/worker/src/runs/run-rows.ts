import { prepared } from '@flowbridge/platform';
import type { DataSource, EntityManager } from 'typeorm';
import type { ContactKey } from '../pipeline/jobs';
import type { RunEntity } from './run.entity';

/**
 * The hot path reads and writes runs with plain SQL: TypeORM's `save` reads the row before writing it, and
 * its query building costs more CPU than the statement itself.
 */
export const RUN_COLUMNS = `id, workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId", flow_id AS "flowId",
  flow_version AS "flowVersion", status, screen_id AS "screenId", state, end_reason AS "endReason",
  started_at AS "startedAt", updated_at AS "updatedAt", expires_at AS "expiresAt", ended_at AS "endedAt"`;

/** A primary-key lookup: its generic plan is the custom one, so it is prepared once per connection. */
const RUN_BY_ID = prepared(`SELECT ${RUN_COLUMNS} FROM worker.runs WHERE id = $1`);

export async function runById(tx: EntityManager, id: string): Promise<RunEntity | null> {
  const [run] = await tx.query<RunEntity[]>(RUN_BY_ID, [id]);
  return run ?? null;
}

/** A live run idle past its expiry, and the contact it belongs to. */
export type IdleRun = ContactKey & { id: string; expiresAt: Date };

/** Live runs idle past their expiry, longest idle first (in the workspaces the caller's scope lets it read). */
export function idleRuns(db: DataSource, limit: number): Promise<IdleRun[]> {
  return db.query<IdleRun[]>(
    `SELECT id, workspace_id AS "workspaceId", channel_id AS "channelId", wa_id AS "waId", expires_at AS "expiresAt"
       FROM worker.runs WHERE status IN ('active', 'waiting_input') AND expires_at <= now()
      ORDER BY expires_at LIMIT ${limit}`,
  );
}

export function isLive(run: RunEntity): boolean {
  return run.status === 'active' || run.status === 'waiting_input';
}

/** One screen a run entered, with the navigation sent on entering it. */
export interface RunStepRow {
  runId: string;
  cause: string;
  screenId: string;
  navigationId: string | null;
}

/**
 * The runs one batch of events works on: every run the batch names by id, and the live run of each contact in
 * it. Events change the runs here, in memory and in order; the batch writes each changed run once, in its final
 * state, and the screens entered.
 */
export class RunSet {
  private readonly byId = new Map<string, RunEntity>();
  private readonly created = new Set<string>();
  private readonly changed = new Set<string>();
  private readonly steps: RunStepRow[] = [];

  /** The runs the batch read (BatchRepository.read), in the transaction that holds the contacts' locks. */
  constructor(runs: RunEntity[]) {
    for (const run of runs) this.byId.set(run.id, run);
  }

  byIdOf(id: string): RunEntity | null {
    return this.byId.get(id) ?? null;
  }

  /** The contact's run in progress, if any (there is at most one). */
  liveOf(contact: ContactKey): RunEntity | null {
    for (const run of this.byId.values())
      if (run.channelId === contact.channelId && run.waId === contact.waId && isLive(run)) return run;
    return null;
  }

  add(run: RunEntity): void {
    this.byId.set(run.id, run);
    this.created.add(run.id);
  }

  touch(run: RunEntity): void {
    this.changed.add(run.id);
  }

  enter(steps: RunStepRow[]): void {
    this.steps.push(...steps);
  }

  /** The screens entered, in order, to be appended once the runs are written. */
  enteredSteps(): RunStepRow[] {
    return this.steps;
  }

  /**
   * Writes each changed run once, in its final state, in one statement: existing ones before new ones, so a
   * run that ends makes room for the contact's next in the one-live-run index.
   */
  async saveRuns(tx: EntityManager): Promise<void> {
    const existing = [...this.changed].filter((id) => !this.created.has(id));
    const rows = [...existing, ...this.created].map((id) => {
      const run = this.byId.get(id)!;
      return {
        id: run.id,
        workspace_id: run.workspaceId,
        channel_id: run.channelId,
        wa_id: run.waId,
        flow_id: run.flowId,
        flow_version: run.flowVersion,
        status: run.status,
        screen_id: run.screenId,
        state: run.state,
        end_reason: run.endReason,
        expires_at: run.expiresAt,
        ended_at: run.endedAt,
      };
    });
    if (rows.length === 0) return;
    await tx.query(
      prepared(`INSERT INTO worker.runs (id, workspace_id, channel_id, wa_id, flow_id, flow_version, status, screen_id, state,
                                end_reason, expires_at, ended_at)
       SELECT r.id, r.workspace_id, r.channel_id, r.wa_id, r.flow_id, r.flow_version, r.status, r.screen_id, r.state,
              r.end_reason, r.expires_at, r.ended_at
         FROM ROWS FROM (jsonb_to_recordset($1::jsonb) AS (id uuid, workspace_id text, channel_id text, wa_id text,
              flow_id uuid, flow_version integer, status text, screen_id text, state jsonb, end_reason text,
              expires_at timestamptz, ended_at timestamptz)) WITH ORDINALITY AS r
        ORDER BY r.ordinality
       ON CONFLICT (id) DO UPDATE
          SET status = excluded.status, screen_id = excluded.screen_id, state = excluded.state,
              end_reason = excluded.end_reason, expires_at = excluded.expires_at, ended_at = excluded.ended_at,
              updated_at = now()`),
      [JSON.stringify(rows)],
    );
  }
}
