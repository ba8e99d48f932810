import { setTimeout as sleep } from 'node:timers/promises';
import {
  ApiCallJobName,
  type ApiCallJob,
  type ApiResponse,
  jobIdOf,
  type JsonValue,
  OutboundErrorCode,
  QueueName,
} from '@flowbridge/contracts';
import { failureOf, RequestEngine } from '@flowbridge/outbound';
import { endSpan, SpanKind, startSpan, Tenancy, traceparentOf } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RpcClients } from '../clients/rpc.clients';
import { WorkerConfig } from '../worker.config';
import type { CallLogRow } from '../runs/call-log.repository';
import { type RunEntity, runStateOf } from '../runs/run.entity';
import { runById } from '../runs/run-rows';
import { CallSlots } from './call-slots';
import { ContactDrainer } from './contact-drainer';
import { type InlineAttempt, InlineAttempts } from './inline-attempts';
import { InboxRepository } from './inbox.repository';
import { Outbox, type OutboxJob } from './outbox.service';
import { abandonedSteps, apiCallDuration, apiRetries } from './worker-metrics';

/**
 * The use-cases of a `data_exchange` step once the run has decided it: one attempt of the call — the first one
 * right in the process that decided it (no queue hop), a retry as a new delayed job so it survives a restart;
 * the final result goes to the run through the contact's inbox — and the end of a step whose job failed for good.
 */
@Injectable()
export class ApiSteps {
  private readonly logger = new Logger(ApiSteps.name);

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly drainer: ContactDrainer,
    private readonly engine: RequestEngine,
    private readonly rpc: RpcClients,
    private readonly config: WorkerConfig,
    private readonly slots: CallSlots,
    private readonly outbox: Outbox,
    inline: InlineAttempts,
  ) {
    inline.runWith((attempt) => this.inline(attempt));
  }

  /** One attempt, in the contact's workspace: the run, its log and its retry are rows of that workspace only. */
  attempt(call: ApiCallJob): Promise<void> {
    return Tenancy.forWorkspace(call.contact.workspaceId, async () => {
      const run = await this.awaitingAnswer(call);
      if (run) await this.attemptFor(call, { ...run, variables: runStateOf(run).variables });
    });
  }

  /**
   * A step whose processes stopped twice during it (an in-process attempt's lease ran out, its job stalled) is
   * abandoned, as BullMQ fails a job that stalled twice: a call that kills its process must not kill every
   * worker in turn. But a process can lose its lease or its job's lock without dying: Redis away for longer than
   * the lock, a process frozen for a while. That one still records the API's answer, and abandoning first would
   * give the contact the failure screen for a call that succeeded. So the step waits as long as an attempt can
   * take (the API's timeout, and a lock's length for its write), and takes its failure screen only if no answer
   * came by then. `signal` (shutdown) ends the wait early, with an AbortError.
   */
  abandonUnlessAnswered(
    call: ApiCallJob,
    jobId: string,
    signal: AbortSignal,
  ): Promise<'answered' | 'abandoned'> {
    return Tenancy.forWorkspace(call.contact.workspaceId, async () => {
      const resolved = await this.rpc.resolveApi(call.contact.workspaceId, call.apiId);
      const longest = (resolved.ok ? resolved.api.timeoutMs : 0) + this.config.WORKER_LOCK_DURATION_MS;
      const until = Date.now() + longest;
      while (await this.awaitingAnswer(call)) {
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

  /**
   * The run, while its step still waits for this call's answer; null once it has moved on. An answer recorded
   * but not applied yet (its write failed, so it was kept as pending) is applied now: the API is not asked again.
   */
  private async awaitingAnswer(call: ApiCallJob): Promise<RunEntity | null> {
    const run = await runById(this.db.manager, call.runId);
    if (!run || runStateOf(run).pendingApi?.key !== call.key) return null;
    if (await InboxRepository.holds(this.db.manager, resultIdOf(call))) {
      await this.drainer.drain(call.contact);
      return null;
    }
    return run;
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
    const renewal = setInterval(() => {
      this.outbox
        .renewLease(contact.workspaceId, attempt.jobId, leaseMs)
        .catch((err: unknown) => this.logger.warn({ err, jobId: attempt.jobId }, 'lease not renewed'));
    }, leaseMs / 3);
    const recorded = await Tenancy.forWorkspace(contact.workspaceId, () =>
      this.attemptFor(attempt.call, attempt.run, attempt.jobId),
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
    clearInterval(renewal);
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

  /**
   * One attempt in its span, a child of the step that decided it. The span is the call itself (resolving the
   * API, the HTTP attempt) and ends with its outcome; writing the outcome is the result's own span, its child.
   */
  private async attemptFor(call: ApiCallJob, run: InlineAttempt['run'], settles?: string): Promise<void> {
    const span = startSpan(
      'api.call',
      call.trace,
      {
        'flowbridge.workspace_id': call.contact.workspaceId,
        'flowbridge.run_id': call.runId,
        'flowbridge.api_id': call.apiId,
        'flowbridge.attempt': call.attempt,
      },
      SpanKind.CLIENT,
    );
    let open = true;
    const end = (outcome: string | undefined, error?: unknown): void => {
      if (!open) return;
      open = false;
      endSpan(
        span,
        error ?? (outcome?.startsWith('failed') ? outcome : undefined),
        outcome === undefined ? undefined : { 'flowbridge.outcome': outcome },
      );
    };
    try {
      await this.attemptIn(call, run, { trace: traceparentOf(span), end }, settles);
    } catch (error) {
      end(undefined, error);
      throw error;
    }
  }

  private async attemptIn(
    call: ApiCallJob,
    run: InlineAttempt['run'],
    span: { trace: string | undefined; end: (outcome: string) => void },
    settles?: string,
  ): Promise<void> {
    const { trace } = span;
    const resolved = await this.rpc.resolveApi(call.contact.workspaceId, call.apiId);
    if (!resolved.ok) {
      span.end(`failed: ${OutboundErrorCode.ApiNotFound}`);
      await this.applyResult(
        call,
        failedWithoutAnswer(OutboundErrorCode.ApiNotFound, resolved.message, call),
        {},
        { trace, settles },
      );
      return;
    }
    let began = 0;
    const result = await this.slots.run(() => {
      began = performance.now(); // the call's own time, not the wait for a slot
      return this.engine.attempt({
        connection: resolved.connection,
        api: resolved.api,
        variables: run.variables,
        idempotencyKey: call.key,
        attempt: call.attempt,
        countedAttempts: call.countedAttempts,
        startedAt: call.startedAt,
      });
    });
    apiCallDuration.observe(
      { connection: resolved.connection.id, outcome: result.retry ? 'retry' : result.response.status },
      (performance.now() - began) / 1000,
    );
    const callLog: CallLogRow = {
      runId: run.id,
      workspaceId: run.workspaceId,
      stepKey: call.key,
      attempt: call.attempt,
      apiId: call.apiId,
      flowId: run.flowId,
      flowVersion: run.flowVersion,
      entry: result.log,
    };
    if (!result.retry) {
      const { status, error, statusCode } = result.response;
      span.end(status === 'success' ? 'success' : `failed: ${error?.code ?? statusCode ?? 'failure'}`);
      await this.applyResult(call, result.response, result.variables, { callLog, trace, settles });
      return;
    }
    span.end('retry');
    apiRetries.inc({ connection: resolved.connection.id });
    const next: ApiCallJob = {
      ...call,
      interrupted: undefined,
      attempt: call.attempt + 1,
      countedAttempts: call.countedAttempts + (result.retry.counted ? 1 : 0),
    };
    // Through the outbox like every job the worker decides: kept in Postgres, so a Redis that loses it (a host
    // crash) gets it again from the outbox's re-send. Written with the attempt's log, in the contact's batch.
    const retry: OutboxJob = {
      queue: QueueName.FlowApiCalls,
      name: ApiCallJobName,
      jobId: jobIdOf('api', call.key, next.attempt),
      payload: next,
      delayMs: result.retry.afterMs,
    };
    await this.drainer.submit({ contact: call.contact, callLog, jobs: [retry], settles });
  }

  /**
   * Ends a step whose job failed for good (its processes died twice during it, or its own retries spent): the
   * run would wait for an answer that never comes, so it takes its failure screen.
   */
  async abandon(call: ApiCallJob, jobId: string, reason: string): Promise<void> {
    const response = failedWithoutAnswer(
      OutboundErrorCode.StepAbandoned,
      `The API step was abandoned: ${reason}`,
      call,
    );
    const fresh = await this.applyResult(call, response, {});
    if (!fresh) return;
    abandonedSteps.inc({ reason: /stalled/i.test(reason) ? 'stalled' : 'failed' });
    this.logger.error(
      { jobId, runId: call.runId, reason },
      'API step abandoned (its job failed for good); the run takes its failure screen',
    );
  }

  /** The step's final result, into the contact's inbox under one id per step: applied once, however often sent. */
  private applyResult(
    call: ApiCallJob,
    response: ApiResponse,
    mapped: Record<string, JsonValue>,
    { callLog, trace, settles }: { callLog?: CallLogRow; trace?: string; settles?: string } = {},
  ): Promise<boolean> {
    return this.drainer.submit({
      contact: call.contact,
      callLog,
      settles,
      entry: {
        eventId: resultIdOf(call),
        contact: call.contact,
        occurredAt: new Date().toISOString(),
        event: {
          kind: 'api_result',
          runId: call.runId,
          key: call.key,
          response,
          mapped,
          ...(trace !== undefined ? { trace } : {}),
        },
      },
    });
  }
}

/** How often a step about to be abandoned looks for an answer recorded meanwhile. */
const ANSWER_POLL_MS = 1000;

/** The inbox id of a step's final result: one per step, however many attempts or copies. */
function resultIdOf(call: ApiCallJob): string {
  return jobIdOf('result', call.key);
}

/**
 * A step that ends without an answer from the API: its API or connection is gone (API_NOT_FOUND), or its job
 * was abandoned (STEP_ABANDONED). The run takes its failure screen.
 */
function failedWithoutAnswer(code: OutboundErrorCode, message: string, call: ApiCallJob): ApiResponse {
  return failureOf(code, message, { attempts: call.attempt, durationMs: Date.now() - call.startedAt });
}
