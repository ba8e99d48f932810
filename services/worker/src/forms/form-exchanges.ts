import {
  errorOnScreen,
  type FormAnswerMessage,
  type FormExchangeAnswer,
  formExchangeContext,
  type FormExchangeJob,
  FormMessages,
} from '@flowbridge/contracts';
import {
  GroupCommit,
  InternalSeal,
  internalKeyOf,
  metricOnce,
  purposeKey,
  REDIS,
  Tenancy,
} from '@flowbridge/platform';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import type { DataSource } from 'typeorm';
import { WorkerConfig } from '../worker.config';
import { type Decision, FormDecisions } from './form-decisions';
import { type FormRequestRecord, FormRequestRepository } from './form-requests.repository';

export const formExchanges = metricOnce(
  'flowbridge_form_exchanges_total',
  () =>
    new Counter({
      name: 'flowbridge_form_exchanges_total',
      help: 'WhatsApp Flows screen requests the worker answered, by action and outcome (answered, failure, deadline, closed, late)',
      labelNames: ['action', 'outcome'],
    }),
);

/**
 * The use-case of a WhatsApp Flows screen request (a `flow-form-exchanges` job): its values opened, its answer
 * decided (FormDecisions), sent to the replica holding WhatsApp's request, and then the request, its answer and
 * the call log recorded.
 */
@Injectable()
export class FormExchanges {
  private readonly logger = new Logger(FormExchanges.name);
  private readonly seal: InternalSeal;
  private readonly recorder: GroupCommit<FormRequestRecord, void>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly decisions: FormDecisions,
    config: WorkerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.seal = new InternalSeal(purposeKey(internalKeyOf(config), 'form-exchanges'));
    this.recorder = new GroupCommit(
      (workspaceId, records) =>
        Tenancy.forWorkspace(workspaceId, async () => {
          await FormRequestRepository.insertMany(this.db.manager, records);
          return records.map(() => undefined);
        }),
      { maxBatch: 64, concurrency: 2, writer: 'form-requests' },
    );
  }

  async exchange(job: FormExchangeJob): Promise<void> {
    const opened = this.seal.open(job.sealedData, formExchangeContext.request(job.requestId));
    const data = opened === null ? null : (JSON.parse(opened) as Record<string, unknown>);
    if (data === null) this.logger.error({ requestId: job.requestId }, 'form request values do not open');
    const decision: Decision =
      data === null
        ? { answer: { close: FormMessages.closed }, outcome: 'closed', logged: {}, calls: null }
        : await Tenancy.forWorkspace(job.workspaceId, () => this.decisions.decide(job, data)).catch(
            (err: unknown): Decision => {
              // Postgres or a service is down: the person is told on the screen they are on, and may retry.
              this.logger.error({ err, requestId: job.requestId }, 'form request not answered as designed');
              return {
                answer: errorOnScreen(job, FormMessages.failed),
                outcome: 'failure',
                logged: {},
                calls: null,
              };
            },
          );
    await this.publish(job, decision.answer);
    // Past the hold the replica has answered on its own: this answer is recorded, not used.
    if (Date.now() >= job.holdUntil) decision.outcome = 'late';
    formExchanges.inc({ action: job.action, outcome: decision.outcome });
    await this.record(job, decision).catch((err: unknown) =>
      this.logger.warn({ err, requestId: job.requestId }, 'form request answered but not recorded'),
    );
  }

  /** To the replica holding WhatsApp's request, sealed; it drops an answer that comes after it gave up. */
  private async publish(job: FormExchangeJob, answer: FormExchangeAnswer): Promise<void> {
    const message: FormAnswerMessage = {
      requestId: job.requestId,
      sealed: this.seal.seal(JSON.stringify(answer), formExchangeContext.answer(job.requestId)),
    };
    await this.redis.publish(job.replyTo, JSON.stringify(message));
  }

  /** The request's row and call log, written with the others of the moment (group commit, per workspace). */
  private record(job: FormExchangeJob, decision: Decision): Promise<void> {
    const { calls, flow } = decision;
    return this.recorder.submit(job.workspaceId, {
      request: {
        workspaceId: job.workspaceId,
        runId: job.runId,
        requestId: job.requestId,
        formId: job.formId,
        action: job.action,
        screenId: job.screen,
        answeredScreenId: 'screen' in decision.answer ? decision.answer.screen : null,
        outcome: decision.outcome,
        durationMs: Date.now() - job.receivedAt,
        values: decision.logged,
        receivedAt: new Date(job.receivedAt),
      },
      calls:
        calls && flow
          ? calls.attempts.map((entry, i) => ({
              runId: job.runId,
              workspaceId: job.workspaceId,
              stepKey: `form-${job.requestId}`,
              attempt: i + 1,
              apiId: calls.apiId,
              flowId: flow.id,
              flowVersion: flow.version,
              entry,
            }))
          : [],
    });
  }
}
