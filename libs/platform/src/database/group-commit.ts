import { Gauge } from 'prom-client';
import { metricOnce } from '../metrics/metrics';

/** The named group commits of this process, for the gauge below (weakly: a closed app's go with it). */
const named = new Set<{ writer: string; group: WeakRef<{ waiting: number }> }>();

/**
 * `flowbridge_group_commit_waiting{writer}`: items submitted to a writer's group commit and not yet taken into a
 * batch. Above a few batches' worth for long, the database is the bottleneck of that writer.
 */
export const groupCommitWaiting = metricOnce(
  'flowbridge_group_commit_waiting',
  () =>
    new Gauge({
      name: 'flowbridge_group_commit_waiting',
      help: "Items waiting for a writer's next group-commit batch (webhooks, worker, send-queue, ...)",
      labelNames: ['writer'],
      collect() {
        this.reset();
        const sums = new Map<string, number>();
        for (const entry of named) {
          const group = entry.group.deref();
          if (!group) named.delete(entry);
          else sums.set(entry.writer, (sums.get(entry.writer) ?? 0) + group.waiting);
        }
        for (const [writer, n] of sums) this.set({ writer }, n);
      },
    }),
);

export interface GroupCommitOptions {
  /** The most items one batch takes. */
  maxBatch: number;
  /** Batches of one lane written at once (1 unless said). */
  concurrency?: number;
  /** Names the writer in `flowbridge_group_commit_waiting`. */
  writer?: string;
  /** An error every item of the lane would meet too: not written again item by item (below). */
  sharedFailure?: (error: unknown) => boolean;
}

interface Waiting<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

interface Lane<I, R> {
  waiting: Array<Waiting<I, R>>;
  /** Batches being written now. */
  writing: number;
}

/**
 * Group commit. Callers submit items one at a time; a lane writes what arrived while its previous write was in
 * flight as one batch (one transaction), and each caller's promise settles once its batch is durable. Under
 * light load a batch is one item written at once, so nothing waits for company; under load the per-write cost
 * (round trips, BEGIN/COMMIT, fsync) is shared by everything that queued up meanwhile.
 *
 * Up to `concurrency` batches of a lane are written at once (each takes what was waiting when it started), so a
 * slow commit (an fsync) does not hold everything behind it; the database's own group commit then shares the
 * flushes of those in flight. Batches of one lane may therefore commit in any order: items whose order matters
 * must be ordered by the writer (the worker takes each contact's lock) or not be submitted together.
 *
 * A batch that fails is written again item by item, so one bad item fails only its own caller — unless the
 * writer says the error is one every item would meet (`sharedFailure`: the database or the queue unreachable):
 * then the batch's items and those waiting behind it fail with it at once, so an outage answers each caller
 * within one write's time instead of one write per item. Lanes (e.g. one per workspace) write independently.
 */
export class GroupCommit<I, R> {
  private readonly lanes = new Map<string, Lane<I, R>>();

  private readonly maxBatch: number;
  private readonly concurrency: number;
  private readonly sharedFailure: (error: unknown) => boolean;

  constructor(
    /** Writes the items as one batch; one result per item, in order. */
    private readonly write: (lane: string, items: I[]) => Promise<R[]>,
    options: GroupCommitOptions,
  ) {
    this.maxBatch = options.maxBatch;
    this.concurrency = options.concurrency ?? 1;
    this.sharedFailure = options.sharedFailure ?? (() => false);
    if (options.writer) named.add({ writer: options.writer, group: new WeakRef(this) });
  }

  submit(lane: string, item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let state = this.lanes.get(lane);
      if (!state) {
        state = { waiting: [], writing: 0 };
        this.lanes.set(lane, state);
      }
      state.waiting.push({ item, resolve, reject });
      if (state.writing < this.concurrency) void this.drain(lane, state);
    });
  }

  /** Items submitted and not yet taken into a batch, over every lane (a gauge for metrics and tests). */
  get waiting(): number {
    let n = 0;
    for (const lane of this.lanes.values()) n += lane.waiting.length;
    return n;
  }

  private async drain(name: string, lane: Lane<I, R>): Promise<void> {
    lane.writing++;
    while (lane.waiting.length > 0) await this.flush(name, lane, lane.waiting.splice(0, this.maxBatch));
    lane.writing--;
    if (lane.writing === 0) this.lanes.delete(name);
  }

  private async flush(lane: string, state: Lane<I, R>, batch: Array<Waiting<I, R>>): Promise<void> {
    let failure: unknown;
    try {
      const results = await this.write(
        lane,
        batch.map((w) => w.item),
      );
      batch.forEach((w, i) => w.resolve(results[i]));
      return;
    } catch (error) {
      failure = error;
    }
    if (this.sharedFailure(failure)) {
      for (const waiting of [...batch, ...state.waiting.splice(0)]) waiting.reject(failure);
      return;
    }
    if (batch.length === 1) {
      batch[0].reject(failure);
      return;
    }
    for (const waiting of batch) {
      try {
        const [result] = await this.write(lane, [waiting.item]);
        waiting.resolve(result);
      } catch (error) {
        waiting.reject(error);
      }
    }
  }
}
