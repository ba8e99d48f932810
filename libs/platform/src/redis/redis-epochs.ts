import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import { Tenancy } from '../database/tenancy';
import { Periodic } from '../lifecycle/periodic';

const CHECK_EVERY_MS = 5000;
/** Writes Redis acknowledged shortly before it was last seen may be what a crash lost (AOF everysec: ≤ ~2 s). */
const LOSS_MARGIN_MS = 60_000;

/** The table a service keeps its Redis epochs in (a migration of each service creates it). */
export function redisEpochsTableSql(schema: string): string {
  return (
    `CREATE TABLE "${schema}"."redis_epochs" ("run_id" text NOT NULL, ` +
    `"first_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), ` +
    `"last_seen_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_redis_epochs" PRIMARY KEY ("run_id"))`
  );
}

/**
 * Redis, even with AOF fsynced every second, can lose the last second or two of writes it acknowledged when
 * its host dies (power, kernel): jobs a service was told were queued. Postgres knows what each service queued;
 * this notices that Redis restarted (a `run_id` not seen before, recorded in the service's `redis_epochs`
 * table, so one replica of the service acts) and hands `requeue` the moment from which queued work may be
 * gone: the previous Redis was last seen alive then, minus a margin. Requeued jobs keep their ids, so what
 * survived is untouched, and consumers deduplicate what was already done.
 */
export class RedisEpochWatcher {
  private readonly logger = new Logger(RedisEpochWatcher.name);
  private current?: string;
  /** One check at a time; a failed one is tried again at the next tick (Redis or Postgres may be down). */
  private readonly checks = new Periodic(
    // Across workspaces: what Redis lost belongs to all of them.
    () => Tenancy.acrossWorkspaces(() => this.checkOnce()),
    CHECK_EVERY_MS,
    (err) => this.logger.warn({ err }, 'Redis epoch check failed; retrying'),
  );

  constructor(
    private readonly db: DataSource,
    private readonly redis: Redis,
    private readonly schema: string,
    private readonly requeue: (tx: EntityManager, since: Date) => Promise<number>,
  ) {}

  start(): void {
    this.checks.start();
    this.redis.on('ready', this.onReady);
    void this.check();
  }

  stop(): void {
    this.checks.stop();
    this.redis.off('ready', this.onReady);
  }

  private readonly onReady = () => void this.check();

  /** Checks now, or joins the check in progress. */
  check(): Promise<void> {
    return this.checks.runNow();
  }

  private async checkOnce(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    const runId = /run_id:(\w+)/.exec(await this.redis.info('server'))?.[1];
    if (!runId) return;
    const table = `"${this.schema}"."redis_epochs"`;
    if (runId === this.current) {
      await this.db.query(`UPDATE ${table} SET last_seen_at = now() WHERE run_id = $1`, [runId]);
      return;
    }
    await this.db.transaction(async (tx) => {
      const [previous] = await tx.query<Array<{ last: Date | null; known: boolean }>>(
        `SELECT max(last_seen_at) AS last, bool_or(run_id = $1) AS known FROM ${table}`,
        [runId],
      );
      if (!previous.known) {
        // Another replica may insert it at the same moment: the loser waits on the key and does nothing.
        const inserted = await tx.query<unknown[]>(
          `INSERT INTO ${table} (run_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING run_id`,
          [runId],
        );
        if (inserted.length === 1 && previous.last) {
          const since = new Date(new Date(previous.last).getTime() - LOSS_MARGIN_MS);
          const count = await this.requeue(tx, since);
          this.logger.warn(
            { runId, since: since.toISOString(), requeued: count },
            'Redis restarted: queued again what it may have lost (same job ids)',
          );
        }
      }
    });
    this.current = runId;
  }
}
