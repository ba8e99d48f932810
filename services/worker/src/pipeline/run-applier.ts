import type { TriggerEventV1 } from '@flowbridge/contracts';
import { Injectable } from '@nestjs/common';
import type { TriggerMatcher } from '../clients/active-triggers';
import { runStateOf } from '../runs/run.entity';
import type { RunSet } from '../runs/run-rows';
import type { ContactKey, InboxEvent } from './jobs';
import type { OutboxJob } from './outbox.repository';
import { RunStarter } from './run-starter';
import { type StepContext, RunStepper } from './run-stepper';

/** What one batch of events works with: its runs (read once, written once) and its trigger matcher. */
export interface BatchContext {
  runs: RunSet;
  triggers: TriggerMatcher;
}

/**
 * Applies one inbox event to the contact's run, inside the transaction that holds the contact's lock: the
 * reply a waiting run expects, an API step's result, an idle run's expiry, or a run started (RunStarter). The
 * flow engine steps the batch's runs in memory (RunStepper); the batch writes them once, with the jobs returned.
 */
@Injectable()
export class RunApplier {
  constructor(
    private readonly stepper: RunStepper,
    private readonly starter: RunStarter,
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
        return event.event.source.type === 'message'
          ? this.message(context, contact, event.event)
          : this.starter.fromApi(context, contact, event.event);
      case 'api_result': {
        const run = context.runs.byIdOf(event.runId);
        const { key, response, mapped } = event;
        return run ? this.stepper.continue(context, run, { type: 'api_result', key, response, mapped }) : [];
      }
      case 'expire': {
        // An event since may have renewed the run: then nothing happens.
        const run = context.runs.byIdOf(event.runId);
        if (!run || run.expiresAt.getTime() > Date.now()) return [];
        return this.stepper.continue(context, run, { type: 'expire' });
      }
    }
  }

  /**
   * The contact wrote: the reply a waiting run expects, or the start of the flow its triggers pick (after
   * ending a run that had gone idle).
   */
  private async message(
    context: BatchContext & StepContext,
    contact: ContactKey,
    event: TriggerEventV1,
  ): Promise<OutboxJob[]> {
    const source = event.source;
    if (source.type !== 'message') return [];
    const live = context.runs.liveOf(contact);
    const version = live ? await this.stepper.versionOf(live) : null;
    let ended: OutboxJob[] = [];
    if (live && version) {
      const state = runStateOf(live);
      if (live.expiresAt.getTime() > Date.now())
        return this.stepper.step(context, live, version, state, { type: 'reply', reply: source.message });
      ended = this.stepper.step(context, live, version, state, { type: 'expire' });
    }
    return [...ended, ...(await this.starter.fromMessage(context, contact, event, source))];
  }
}
