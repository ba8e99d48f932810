import type { ApiCallJob } from '@flowbridge/contracts';
import { Periodic, Tenancy } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { WorkerConfig } from '../worker.config';
import { runStateOf } from '../runs/run.entity';
import { ApiAttempt } from './api-attempt';
import { ContactDrainer } from './contact-drainer';
import { type InlineAttempt, InlineAttempts } from './inline-attempts';
import { Outbox } from './outbox.service';
import { awaitingAnswer } from './step-results';

/**
 * Where a `data_exchange` step's attempts run once the run has decided it: the first one right in the process
 * that decided it (no queue hop), its outbox row leased meanwhile; a retry, or a first attempt this process could
 * not take, as a `flow-api-calls` job. The attempt itself: ApiAttempt. (A step that gets no answer:
 * AbandonedSteps.)
 */
@Injectable()
export class ApiSteps {
  private readonly logger = new Logger(ApiSteps.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly drainer: ContactDrainer,
    private readonly calls: ApiAttempt,
    private readonly config: WorkerConfig,
    private readonly outbox: Outbox,
    inline: InlineAttempts,
  ) {
    inline.runWith((attempt) => this.inline(attempt));
  }

  /** One attempt, in the contact's workspace: the run, its log and its retry are rows of that workspace only. */
  attempt(call: ApiCallJob): Promise<void> {
    return Tenancy.forWorkspace(call.contact.workspaceId, async () => {
      const run = await awaitingAnswer(this.db.manager, this.drainer, call);
      if (run) await this.calls.run(call, { ...run, variables: runStateOf(run).variables });
    });
  }

  /**
   * A first attempt run right after its decision committed, with the run as the decision left it. Its outcome
   * deletes the leased outbox row; if it never gets that far (the process dies, Postgres is down), the lease
   * runs out and the outbox sweep sends the row as a job.
   */
  private async inline(attempt: InlineAttempt): Promise<void> {
    const { contact } = attempt.call;
    // A slow call keeps its row: the lease is renewed while it runs, as BullMQ renews a job's lock.
    const leaseMs = this.config.WORKER_LOCK_DURATION_MS;
    const renewal = new Periodic(
      () => this.outbox.renewLease(contact.workspaceId, attempt.jobId, leaseMs),
      leaseMs / 3,
      (err) => this.logger.warn({ err, jobId: attempt.jobId }, 'lease not renewed'),
    );
    renewal.start();
    const recorded = await Tenancy.forWorkspace(contact.workspaceId, () =>
      this.calls.run(attempt.call, attempt.run, attempt.jobId),
    ).then(
      () => true,
      (err: unknown) => {
        this.logger.warn(
          { err, runId: attempt.run.id, jobId: attempt.jobId },
          'API attempt not recorded; it goes to the flow-api-calls queue',
        );
        return false;
      },
    );
    renewal.stop();
    if (recorded) return;
    // Not a death (which `interrupted` counts): a service or a store refused. The row becomes an ordinary job,
    // sent now or by the sweep, and parked there until what refused is back.
    await this.outbox
      .releaseLease(contact, attempt.jobId)
      .catch((err: unknown) =>
        this.logger.warn(
          { err, jobId: attempt.jobId },
          'API attempt not handed to the queue; the outbox sweep does once its lease runs out',
        ),
      );
  }
}
