import { type ApiCallJob, type JsonValue, QueueName } from '@flowbridge/contracts';
import { Injectable } from '@nestjs/common';
import type { RunSet } from '../runs/run-rows';
import { type RunEntity, runStateOf } from '../runs/run.entity';
import { WorkerConfig } from '../worker.config';
import { CallSlots } from './call-slots';
import type { ContactJob } from './outbox.repository';

/** An API step's first attempt, run in this process once its decision has committed. */
export interface InlineAttempt {
  call: ApiCallJob;
  /** Its outbox row, leased meanwhile. */
  jobId: string;
  /** The run as the decision left it: the attempt needs no read of its own. */
  run: Pick<RunEntity, 'id' | 'workspaceId' | 'flowId' | 'flowVersion'> & {
    variables: Record<string, JsonValue>;
  };
}

/**
 * The API steps' first attempts this process makes itself, right after the batch that decided them commits: no
 * queue hop, no read of the run. A batch leases them (their outbox rows are written leased, not sent) as far as
 * the process has free call slots (CallSlots), and starts them once it has committed; the rest go to the
 * `flow-api-calls` queue. Shutdown waits for those running and for those leased by a batch still committing.
 */
@Injectable()
export class InlineAttempts {
  /** Runs an attempt (ApiSteps registers it); without one, every attempt is a job. */
  private runner?: (attempt: InlineAttempt) => Promise<void>;
  /**
   * Attempts running, and those a batch has leased and not yet started (it is still committing): shutdown waits
   * for both, or an attempt started after the wait would be cut off and made again.
   */
  private readonly running = new Set<Promise<void>>();
  /** Shutting down: first attempts go to the queue. */
  private stopping = false;

  constructor(
    private readonly slots: CallSlots,
    private readonly config: WorkerConfig,
  ) {}

  /** How an attempt runs in this process (ApiSteps); set once at start. */
  runWith(run: (attempt: InlineAttempt) => Promise<void>): void {
    this.runner = run;
  }

  /**
   * At shutdown: no more attempts start here (batches still being written leave theirs to the queue, for
   * another worker), and those running are waited for (within the shutdown budget).
   */
  async settle(): Promise<void> {
    this.stopping = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * The first attempts of a batch's jobs this process runs itself, as many as its free call slots: their jobs
   * get a lease (`leaseMs`), so their outbox rows are written leased instead of being sent. A step the batch has
   * already moved past (a later event of the contact) is left to its job, which finds nothing to do.
   */
  lease(jobs: ContactJob[], runs: RunSet): InlineAttempt[] {
    const attempts: InlineAttempt[] = [];
    if (!this.runner || this.stopping) return attempts;
    for (const { job } of jobs) {
      if (job.queue !== QueueName.FlowApiCalls || job.delayMs) continue;
      const call = job.payload as ApiCallJob;
      const run = runs.byIdOf(call.runId);
      const state = run && runStateOf(run);
      if (!run || state?.pendingApi?.key !== call.key) continue;
      if (!this.slots.promise()) break;
      job.leaseMs = this.config.WORKER_LOCK_DURATION_MS;
      attempts.push({
        call,
        jobId: job.jobId,
        run: {
          id: run.id,
          workspaceId: run.workspaceId,
          flowId: run.flowId,
          flowVersion: run.flowVersion,
          variables: state.variables,
        },
      });
    }
    return attempts;
  }

  /** The batch that leased them failed: their slots are free again (their rows were never written). */
  unlease(attempts: InlineAttempt[]): void {
    this.slots.unpromise(attempts.length);
  }

  /** Counts a batch's leased attempts as running until they start (or the batch fails); returns the release. */
  holdShutdown(): () => void {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve)).finally(() => this.running.delete(held));
    this.running.add(held);
    return release;
  }

  /** Starts the attempts of a batch that has committed. */
  start(attempts: InlineAttempt[]): void {
    this.slots.unpromise(attempts.length);
    for (const attempt of attempts) {
      const running = this.runner!(attempt).finally(() => this.running.delete(running));
      this.running.add(running);
    }
  }
}
