import { DelayedError, type Job } from 'bullmq';
import { isUnavailableError } from '../errors/unavailable';

/** The longest a job waits between two tries while what it needs is down. */
const MAX_PARK_MS = 30_000;
/** Jobs whose parking count is kept at most (a job finished by another process is never seen again here). */
const MAX_TRACKED = 10_000;

/**
 * Runs a job's work; when it fails because Postgres, Redis or a service it needs cannot be reached, the job is
 * parked (BullMQ's delayed state) and tried again later, as long as the outage lasts: parking spends none of
 * the job's attempts, which are kept for failures of the work itself. So an outage of any length loses no
 * accepted event: it is applied once the dependency is back. The wait doubles from `baseMs` up to 30 s, with
 * jitter, counted per job in this process (a restart starts it again from the base).
 */
export class UnavailabilityParking {
  private readonly parked = new Map<string, number>();

  constructor(
    private readonly baseMs = 1000,
    private readonly unavailable: (error: unknown) => boolean = isUnavailableError,
  ) {}

  async run<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
    const key = `${job.queueName}/${job.id}`;
    try {
      const result = await work();
      this.parked.delete(key);
      return result;
    } catch (error) {
      if (!token || !this.unavailable(error)) throw error;
      const times = (this.parked.get(key) ?? 0) + 1;
      this.parked.delete(key);
      if (this.parked.size >= MAX_TRACKED) this.parked.delete(this.parked.keys().next().value as string);
      this.parked.set(key, times);
      const ceiling = Math.min(MAX_PARK_MS, this.baseMs * 2 ** (times - 1));
      try {
        await job.moveToDelayed(Date.now() + Math.round(ceiling / 2 + Math.random() * (ceiling / 2)), token);
      } catch {
        throw error; // Redis is down too: BullMQ's own retry (or its stalled check) takes it from here.
      }
      throw new DelayedError(`parked while a dependency is unavailable (${times} time(s))`);
    }
  }

  /** Jobs parked now and not yet done (for metrics and tests). */
  get size(): number {
    return this.parked.size;
  }
}
