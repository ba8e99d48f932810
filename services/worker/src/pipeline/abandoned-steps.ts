import { type ApiCallJob, OutboundErrorCode } from '@flowbridge/contracts';
import { Tenancy } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DelayedError, type Job } from 'bullmq';
import type { DataSource } from 'typeorm';
import { RpcClients } from '../clients/rpc.clients';
import { WorkerConfig } from '../worker.config';
import { ContactDrainer } from './contact-drainer';
import { awaitingAnswer, failedWithoutAnswer, resultEntry } from './step-results';
import { abandonedSteps } from './worker-metrics';

/**
 * The end of an API step that will get no answer: its job failed for good, or its processes stopped twice
 * during it. The run would wait for an answer that never comes, so it takes its failure screen (STEP_ABANDONED),
 * counted by `flowbridge_api_steps_abandoned_total`.
 */
@Injectable()
export class AbandonedSteps {
  private readonly logger = new Logger(AbandonedSteps.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly drainer: ContactDrainer,
    private readonly rpc: RpcClients,
    private readonly config: WorkerConfig,
  ) {}

  /**
   * A step whose processes stopped twice during it (an in-process attempt's lease ran out, its job stalled) is
   * abandoned, as BullMQ fails a job that stalled twice: a call that kills its process must not kill every
   * worker in turn. But a process can lose its lease or its job's lock without dying: Redis away for longer than
   * the lock, a process frozen for a while. That one still records the API's answer, and abandoning first would
   * give the contact the failure screen for a call that succeeded. So the step waits as long as an attempt can
   * take (the API's timeout, and a lock's length for its write), and takes its failure screen only if no answer
   * came by then.
   *
   * The wait is the job's, in the delayed set, not a slot of this worker: the first look delays the job until
   * then (the moment kept in its progress, unsigned like BullMQ's own stall count, which decides as much), and
   * the next look, at that moment, abandons the step unless the answer came meanwhile.
   */
  async unlessAnswered(call: ApiCallJob, job: WaitingJob, token?: string): Promise<'answered' | 'abandoned'> {
    const decision = await this.decide(call, job.id!, abandonAfterOf(job.progress));
    if (typeof decision === 'string') return decision;
    if (!token) throw new Error('an API call job without its lock token cannot wait in the delayed set');
    await job.updateProgress({ abandonAfter: decision.waitUntil });
    await job.moveToDelayed(decision.waitUntil, token);
    throw new DelayedError('waiting for an answer before abandoning the step');
  }

  /** Ends the step now: its job failed for good (its own retries spent, or refused). */
  async abandon(call: ApiCallJob, jobId: string, reason: string): Promise<void> {
    const response = failedWithoutAnswer(
      OutboundErrorCode.StepAbandoned,
      `The API step was abandoned: ${reason}`,
      call,
    );
    const fresh = await this.drainer.submit({
      contact: call.contact,
      entry: resultEntry(call, response, {}),
    });
    if (!fresh) return;
    abandonedSteps.inc({ reason: /stalled/i.test(reason) ? 'stalled' : 'failed' });
    this.logger.error(
      { jobId, runId: call.runId, reason },
      'API step abandoned (its job failed for good); the run takes its failure screen',
    );
  }

  private decide(
    call: ApiCallJob,
    jobId: string,
    abandonAfter: number | undefined,
  ): Promise<'answered' | 'abandoned' | { waitUntil: number }> {
    return Tenancy.forWorkspace(call.contact.workspaceId, async () => {
      if (!(await awaitingAnswer(this.db.manager, this.drainer, call))) return 'answered';
      if (abandonAfter === undefined) {
        const resolved = await this.rpc.resolveApi(call.contact.workspaceId, call.apiId);
        const longest = (resolved.ok ? resolved.api.timeoutMs : 0) + this.config.WORKER_LOCK_DURATION_MS;
        return { waitUntil: Date.now() + longest };
      }
      if (Date.now() < abandonAfter) return { waitUntil: abandonAfter };
      await this.abandon(call, jobId, 'job stalled more than allowable limit');
      return 'abandoned';
    });
  }
}

/** The API call job of a step stopped twice, as far as waiting in the delayed set needs it. */
export type WaitingJob = Pick<Job, 'id' | 'progress' | 'updateProgress' | 'moveToDelayed'>;

/** When a step waiting for its answer is abandoned, as its job's progress keeps it (none: not waiting yet). */
function abandonAfterOf(progress: unknown): number | undefined {
  const at = (progress as { abandonAfter?: unknown } | null)?.abandonAfter;
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}
