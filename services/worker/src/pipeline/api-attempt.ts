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
import { endSpan, SpanKind, startSpan, traceparentOf } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { RpcClients } from '../clients/rpc.clients';
import type { CallLogRow } from '../runs/call-log.repository';
import { CallSlots } from './call-slots';
import { ContactDrainer } from './contact-drainer';
import type { InlineAttempt } from './inline-attempts';
import type { OutboxJob } from './outbox.repository';
import { failedWithoutAnswer, resultEntry } from './step-results';
import { apiCallDuration, apiRetries } from './worker-metrics';

/**
 * One attempt of an API step's call, in the caller's workspace scope: the API resolved, the HTTP attempt made
 * in one of the process's call slots, and its outcome written through the contact's batch with the call log —
 * the final result into the contact's inbox (applied once per step), or the next attempt as a delayed job
 * through the outbox, so that it survives a restart.
 */
@Injectable()
export class ApiAttempt {
  constructor(
    private readonly drainer: ContactDrainer,
    private readonly engine: RequestEngine,
    private readonly rpc: RpcClients,
    private readonly slots: CallSlots,
  ) {}

  /**
   * `settles`: the leased outbox row of an in-process attempt, deleted with its outcome. In its span, a child of
   * the step that decided it. The span is the call itself (resolving the API, the HTTP attempt) and ends with its
   * outcome; writing the outcome is the result's own span, its child.
   */
  async run(call: ApiCallJob, run: InlineAttempt['run'], settles?: string): Promise<void> {
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
