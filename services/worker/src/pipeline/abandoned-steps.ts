import { setTimeout as sleep } from 'node:timers/promises';
import { type ApiCallJob, OutboundErrorCode } from '@flowbridge/contracts';
import { Tenancy } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RpcClients } from '../clients/rpc.clients';
import { WorkerConfig } from '../worker.config';
import { ContactDrainer } from './contact-drainer';
import { awaitingAnswer, failedWithoutAnswer, resultEntry } from './step-results';
import { abandonedSteps } from './worker-metrics';

/** How often a step about to be abandoned looks for an answer recorded meanwhile. */
const ANSWER_POLL_MS = 1000;

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
   * came by then. `signal` (shutdown) ends the wait early, with an AbortError.
   */
  unlessAnswered(call: ApiCallJob, jobId: string, signal: AbortSignal): Promise<'answered' | 'abandoned'> {
    return Tenancy.forWorkspace(call.contact.workspaceId, async () => {
      const resolved = await this.rpc.resolveApi(call.contact.workspaceId, call.apiId);
      const longest = (resolved.ok ? resolved.api.timeoutMs : 0) + this.config.WORKER_LOCK_DURATION_MS;
      const until = Date.now() + longest;
      while (await awaitingAnswer(this.db.manager, this.drainer, call)) {
        const left = until - Date.now();
        if (left <= 0) {
          await this.abandon(call, jobId, 'job stalled more than allowable limit');
          return 'abandoned';
        }
        await sleep(Math.min(ANSWER_POLL_MS, left), undefined, { signal });
      }
      return 'answered';
    });
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
}
