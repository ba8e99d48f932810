import {
  ApiCallJobName,
  type ApiCallJob,
  type ApiResponse,
  jobIdOf,
  type JsonValue,
  OutboundErrorCode,
  QueueName,
} from '@flowbridge/contracts';
import { RequestEngine } from '@flowbridge/outbound';
import { endSpan, Periodic, SpanKind, startSpan, Tenancy, traceparentOf } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RpcClients } from '../clients/rpc.clients';
import { WorkerConfig } from '../worker.config';
import type { CallLogRow } from '../runs/call-log.repository';
import { runStateOf } from '../runs/run.entity';
import { CallSlots } from './call-slots';
import { ContactDrainer } from './contact-drainer';
import { type InlineAttempt, InlineAttempts } from './inline-attempts';
import type { OutboxJob } from './outbox.repository';
import { Outbox } from './outbox.service';
import { awaitingAnswer, failedWithoutAnswer, resultEntry } from './step-results';
import { apiCallDuration, apiRetries } from './worker-metrics';

/**
 * The use-cases of a `data_exchange` step once the run has decided it: one attempt of the call — the first one
 * right in the process that decided it (no queue hop), a retry as a new delayed job so it survives a restart;
 * the final result goes to the run through the contact's inbox. (A step that gets no answer: AbandonedSteps.)
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
      const run = await awaitingAnswer(this.db.manager, this.drainer, call);
      if (run) await this.attemptFor(call, { ...run, variables: runStateOf(run).variables });
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
      entry: resultEntry(call, response, mapped, trace),
    });
  }
}
