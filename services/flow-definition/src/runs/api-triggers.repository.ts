import type { TriggerEventV1 } from '@flowbridge/contracts';
import type { DataSource, EntityManager } from 'typeorm';

/** Every statement of the API trigger's durable record: each accepted event, kept a day for a Redis replay. */
export const ApiTriggerRepository = {
  /** Records the event; a retry with the same id (its Idempotency-Key) is the same row. */
  async record(tx: EntityManager, event: TriggerEventV1): Promise<void> {
    await tx.query(
      `INSERT INTO flow_definition.api_triggers (event_id, workspace_id, event) VALUES ($1, $2, $3)
       ON CONFLICT (event_id) DO NOTHING`,
      [event.eventId, event.workspaceId, JSON.stringify(event)],
    );
  },

  /** The events accepted since `since`, oldest first. */
  async since(tx: EntityManager, since: Date): Promise<TriggerEventV1[]> {
    const rows = await tx.query<Array<{ event: TriggerEventV1 }>>(
      `SELECT event FROM flow_definition.api_triggers WHERE created_at >= $1 ORDER BY created_at, event_id`,
      [since.toISOString()],
    );
    return rows.map((r) => r.event);
  },

  /** Deletes the events older than a day (past any replay window: a Redis restart replays the last minutes). */
  async prune(db: DataSource): Promise<void> {
    await db.query(`DELETE FROM flow_definition.api_triggers WHERE created_at < now() - interval '1 day'`);
  },
};
