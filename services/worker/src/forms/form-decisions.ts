import {
  type ApiResponse,
  type CallLogEntry,
  type FormExchangeAnswer,
  type FormExchangeJob,
  FormMessages,
  type JsonValue,
  OutboundErrorCode,
} from '@flowbridge/contracts';
import {
  failureAnswer,
  type Form,
  FormSchema,
  maskSensitive,
  openingData,
  openingMessage,
  planFormRequest,
  successAnswer,
  SYSTEM_VARIABLES,
  TemplateError,
  TemplateRenderer,
} from '@flowbridge/flow-engine';
import { RequestEngine } from '@flowbridge/outbound';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { RpcClients } from '../clients/rpc.clients';
import { isLive, runById } from '../runs/run-rows';
import { runStateOf } from '../runs/run.entity';
import { WorkerConfig } from '../worker.config';
import type { FormRequestOutcome } from './form-requests.repository';

/** The answer is published this long before the messaging replica stops holding the request. */
const PUBLISH_MARGIN_MS = 300;

/** What a screen request comes to, and what the run's history keeps of it. */
export interface Decision {
  answer: FormExchangeAnswer;
  outcome: FormRequestOutcome;
  /** The values as the run's history keeps them (sensitive ones masked). */
  logged: Record<string, JsonValue>;
  calls: { apiId: string; attempts: CallLogEntry[] } | null;
  flow?: { id: string; version: number };
}

/**
 * The answer to one WhatsApp Flows screen request, in the request's workspace: the run the flow token names
 * must still wait on the chat screen that opened the form, and talk on the channel whose endpoint was asked;
 * INIT (and BACK's start over) answers the form's start screen with the opening message's data; a
 * `data_exchange` footer calls its API with the submitted values, its retries inside the deadline, and answers
 * the success screen with its API data or the failure screen.
 */
@Injectable()
export class FormDecisions {
  private readonly logger = new Logger(FormDecisions.name);
  private readonly renderer = new TemplateRenderer();
  private readonly forms = new WeakMap<object, Form>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly rpc: RpcClients,
    private readonly engine: RequestEngine,
    private readonly config: WorkerConfig,
  ) {}

  async decide(job: FormExchangeJob, data: Record<string, unknown>): Promise<Decision> {
    const closed = (why: string): Decision => {
      this.logger.debug({ requestId: job.requestId, runId: job.runId, why }, 'form closed (427)');
      return { answer: { close: FormMessages.closed }, outcome: 'closed', logged: {}, calls: null };
    };
    const run = await runById(this.db.manager, job.runId);
    if (!run || run.workspaceId !== job.workspaceId || !isLive(run)) return closed('the run ended');
    // A token is good on the endpoint of the channel its run talks on, not another number's.
    if (run.channelId !== job.channelId) return closed('the token belongs to another channel');
    const flow = { id: run.flowId, version: run.flowVersion };
    const version = await this.rpc.flowVersion(job.workspaceId, run.flowId, run.flowVersion);
    const raw = version?.document.forms?.find((f) => f.id === job.formId);
    const message = version && openingMessage(version.document, run.screenId, job.formId);
    if (!raw || !message) return closed('the run no longer waits for this form');
    const form = this.formOf(raw);
    const { variables } = runStateOf(run);
    // The opening data is what INIT (and BACK's start over) answer with; a footer's exchange does not need it.
    let opening: Record<string, JsonValue> = {};
    if (job.action !== 'data_exchange')
      try {
        opening = openingData(message, variables, this.renderer);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
      }
    const plan = planFormRequest(form, { action: job.action, screen: job.screen, data }, opening);
    if (plan.kind === 'answer')
      return {
        answer: plan.answer,
        outcome: 'close' in plan.answer ? 'closed' : 'answered',
        logged: {},
        calls: null,
        flow,
      };
    const logged = maskSensitive(form, plan.screen.id, plan.values);
    const deadlineAt = Math.min(
      job.holdUntil - PUBLISH_MARGIN_MS,
      job.receivedAt + (plan.action.deadlineMs ?? this.config.FORM_DEADLINE_MS),
    );
    const failed = (message: string, outcome: FormRequestOutcome, attempts: CallLogEntry[] = []) => ({
      answer: failureAnswer(form, plan.action, message, plan.values),
      outcome,
      logged,
      calls: { apiId: plan.action.api, attempts },
      flow,
    });
    // Taken off the queue too late to call anything: the person gets the failure screen now.
    if (Date.now() >= deadlineAt) return failed(FormMessages.late, 'deadline');
    const resolved = await this.rpc.resolveApi(job.workspaceId, plan.action.api);
    if (!resolved.ok) return failed(FormMessages.failed, 'failure');
    // The API reads the submitted values as `form.x`, and as `x` like chat variables (never over `contact`,
    // `trigger` or `run`).
    const submitted = Object.entries(plan.values).filter(([name]) => !SYSTEM_VARIABLES.has(name));
    const scope: Record<string, JsonValue> = {
      ...variables,
      ...Object.fromEntries(submitted),
      form: plan.values,
    };
    const result = await this.engine.runInline({
      connection: resolved.connection,
      api: resolved.api,
      variables: scope,
      idempotencyKey: `form-${job.requestId}`,
      deadlineAt,
    });
    if (result.response.status !== 'success') {
      const late = pastDeadline(result.response, deadlineAt);
      return failed(
        late ? FormMessages.late : FormMessages.failed,
        late ? 'deadline' : 'failure',
        result.attempts,
      );
    }
    const answer = successAnswer(
      form,
      plan.action,
      { ...scope, ...result.variables, api_response: result.response as unknown as JsonValue },
      plan.values,
      this.renderer,
    );
    return {
      answer,
      outcome: 'screen' in answer && answer.screen === plan.action.onSuccess ? 'answered' : 'failure',
      logged,
      calls: { apiId: plan.action.api, attempts: result.attempts },
      flow,
    };
  }

  /** The form as its schema reads it (defaults filled), once per published version. */
  private formOf(raw: object): Form {
    let form = this.forms.get(raw);
    if (!form) {
      form = FormSchema.parse(raw);
      this.forms.set(raw, form);
    }
    return form;
  }
}

function pastDeadline(response: ApiResponse, deadlineAt: number): boolean {
  return response.error?.code === OutboundErrorCode.Timeout && Date.now() >= deadlineAt - 50;
}
