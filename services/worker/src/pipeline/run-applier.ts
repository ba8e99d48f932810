import { randomUUID } from 'node:crypto';
import { type JsonValue, runSequenceId, type TriggerEventV1 } from '@flowbridge/contracts';
import { type Effect, newRunState, type RunEvent, type RunState, step } from '@flowbridge/flow-engine';
import { Injectable, Logger } from '@nestjs/common';
import type { TriggerMatcher } from '../clients/active-triggers';
import { type LoadedVersion, RpcClients } from '../clients/rpc.clients';
import { type RunEntity, runStateOf } from '../runs/run.entity';
import type { RunSet } from '../runs/run-rows';
import { WorkerConfig } from '../worker.config';
import type { ContactKey, InboxEvent } from './jobs';
import { outboxJobsOf } from './effect-jobs';
import type { OutboxJob } from './outbox.repository';
import { runsFinished } from './worker-metrics';

/** What one batch of events works with: its runs (read once, written once) and its trigger matcher. */
export interface BatchContext {
  runs: RunSet;
  triggers: TriggerMatcher;
}

/** What one event's application works with: the batch's runs, and the trace its jobs carry on. */
interface StepContext {
  runs: RunSet;
  trace?: string;
}

/**
 * Applies one inbox event to the contact's run, inside the transaction that holds the contact's lock:
 * steps the flow engine on the batch's runs (in memory; the batch writes them once) and turns its effects into
 * jobs (navigation, API calls) for the outbox.
 */
@Injectable()
export class RunApplier {
  private readonly logger = new Logger(RunApplier.name);

  constructor(
    private readonly rpc: RpcClients,
    private readonly config: WorkerConfig,
  ) {}

  /** The runs an event names by id (the batch reads them with the contacts' live runs). */
  static runIdOf(event: InboxEvent): string | null {
    return event.kind === 'trigger' ? null : event.runId;
  }

  /** The trace an event continues (the `traceparent` it carries), if any. */
  static traceOf(event: InboxEvent): string | undefined {
    return event.kind === 'trigger'
      ? event.event.trace
      : event.kind === 'api_result'
        ? event.trace
        : undefined;
  }

  /** `trace`: the `traceparent` of the event's application, which the jobs it decides carry on. */
  async apply(
    batch: BatchContext,
    contact: ContactKey,
    event: InboxEvent,
    trace?: string,
  ): Promise<OutboxJob[]> {
    const context = { ...batch, trace };
    switch (event.kind) {
      case 'trigger':
        return this.trigger(context, contact, event.event);
      case 'api_result':
        return this.apiResult(context, event);
      case 'expire':
        return this.expire(context, event.runId);
    }
  }

  /** Ends a run that has been idle too long (an event since may have renewed it: then nothing happens). */
  private async expire(context: StepContext, runId: string): Promise<OutboxJob[]> {
    const run = context.runs.byIdOf(runId);
    if (!run || run.expiresAt.getTime() > Date.now()) return [];
    const version = await this.rpc.flowVersion(run.workspaceId, run.flowId, run.flowVersion);
    return version ? this.step(context, run, version, runStateOf(run), { type: 'expire' }) : [];
  }

  private async trigger(
    batch: BatchContext & StepContext,
    contact: ContactKey,
    event: TriggerEventV1,
  ): Promise<OutboxJob[]> {
    const source = event.source;
    if (source.type === 'message') return this.message(batch, contact, event, source);
    const version = await this.rpc.flowVersion(contact.workspaceId, source.flowId, source.flowVersion);
    if (!version) {
      this.logger.warn(
        { eventId: event.eventId, flowId: source.flowId },
        'trigger for a flow version that does not exist',
      );
      return [];
    }
    // A business system starting a flow replaces whatever the contact was doing.
    const live = batch.runs.liveOf(contact);
    if (live) {
      Object.assign(live, { status: 'completed', endReason: 'REPLACED', endedAt: new Date() });
      batch.runs.touch(live);
    }
    return this.start(batch, contact, event, version, source.variables, {
      type: 'api',
      eventId: event.eventId,
    });
  }

  /** The contact wrote: the reply a waiting run expects, or the start of the flow its triggers pick. */
  private async message(
    context: BatchContext & StepContext,
    contact: ContactKey,
    event: TriggerEventV1,
    source: Extract<TriggerEventV1['source'], { type: 'message' }>,
  ): Promise<OutboxJob[]> {
    const jobs: OutboxJob[] = [];
    const live = context.runs.liveOf(contact);
    if (live && live.expiresAt.getTime() > Date.now()) {
      const version = await this.rpc.flowVersion(live.workspaceId, live.flowId, live.flowVersion);
      if (version)
        return this.step(context, live, version, runStateOf(live), {
          type: 'reply',
          reply: source.message,
        });
    } else if (live) {
      const version = await this.rpc.flowVersion(live.workspaceId, live.flowId, live.flowVersion);
      if (version) jobs.push(...this.step(context, live, version, runStateOf(live), { type: 'expire' }));
    }
    const match = await context.triggers.match(contact.channelId, source.message);
    if (!match) {
      this.logger.debug({ eventId: event.eventId }, 'no active flow answers this message');
      return jobs;
    }
    const version = await this.rpc.flowVersion(contact.workspaceId, match.flowId, match.version);
    if (!version) return jobs;
    const text: Record<string, JsonValue> =
      source.message.kind === 'text' ? { text: source.message.text } : {};
    return [
      ...jobs,
      ...(await this.start(
        context,
        contact,
        event,
        version,
        {},
        {
          type: 'message',
          eventId: event.eventId,
          messageId: source.messageId,
          match: match.trigger,
          ...text,
        },
      )),
    ];
  }

  private async start(
    context: StepContext,
    contact: ContactKey,
    event: TriggerEventV1,
    version: LoadedVersion,
    variables: Record<string, JsonValue>,
    trigger: Record<string, JsonValue>,
  ): Promise<OutboxJob[]> {
    const runId = randomUUID();
    const now = new Date();
    const run: RunEntity = {
      id: runId,
      ...contact,
      flowId: version.flowId,
      flowVersion: version.version,
      status: 'active',
      screenId: null,
      state: {},
      endReason: null,
      startedAt: now,
      updatedAt: now,
      endedAt: null,
      expiresAt: this.expiry(),
    };
    const system: Record<string, JsonValue> = {
      contact: {
        waId: contact.waId,
        ...(event.contact.name !== undefined ? { name: event.contact.name } : {}),
      },
      run: { id: runId },
      trigger,
    };
    return this.step(
      context,
      run,
      version,
      newRunState(runId),
      { type: 'start', variables: { ...variables, ...system } },
      true,
    );
  }

  private async apiResult(
    context: StepContext,
    event: Extract<InboxEvent, { kind: 'api_result' }>,
  ): Promise<OutboxJob[]> {
    const run = context.runs.byIdOf(event.runId);
    if (!run) return [];
    const version = await this.rpc.flowVersion(run.workspaceId, run.flowId, run.flowVersion);
    if (!version) return [];
    return this.step(context, run, version, runStateOf(run), {
      type: 'api_result',
      key: event.key,
      response: event.response,
      mapped: event.mapped,
    });
  }

  private step(
    { runs, trace }: StepContext,
    run: RunEntity,
    version: LoadedVersion,
    state: RunState,
    event: RunEvent,
    created = false,
  ): OutboxJob[] {
    const result = step(version.document, state, event);
    if (result.ignored) {
      this.logger.debug({ runId: run.id, ignored: result.ignored }, 'event did not apply to the run');
      return [];
    }
    const next = result.state;
    Object.assign(run, {
      state: next as unknown as Record<string, unknown>,
      status: next.status,
      screenId: next.screenId,
      endReason: next.endReason,
      updatedAt: new Date(),
      expiresAt: this.expiry(),
      endedAt: next.status === 'active' || next.status === 'waiting_input' ? null : new Date(),
    });
    if (created) runs.add(run);
    else runs.touch(run);
    runs.enter(
      stepsOf(run.id, result.entered, result.effects).map((s) => ({
        runId: run.id,
        cause: event.type,
        ...s,
      })),
    );
    for (const effect of result.effects)
      if (effect.type === 'end') runsFinished.inc({ status: effect.status, reason: effect.reason ?? 'none' });
    return result.effects.flatMap((effect) =>
      outboxJobsOf(run, effect, this.config.NAVIGATION_PARTITIONS, trace),
    );
  }

  private expiry(): Date {
    return new Date(Date.now() + this.config.RUN_IDLE_TIMEOUT_MS);
  }
}

/** Each screen entered, with the navigation sent on entering it (sends come in the order screens are entered). */
function stepsOf(
  runId: string,
  entered: string[],
  effects: Effect[],
): Array<{ screenId: string; navigationId: string | null }> {
  const sends = effects.filter((e): e is Extract<Effect, { type: 'send' }> => e.type === 'send');
  let next = 0;
  return entered.map((screenId) => {
    const send = sends[next]?.screenId === screenId ? sends[next++] : undefined;
    return { screenId, navigationId: send ? runSequenceId(runId, send.seq) : null };
  });
}
