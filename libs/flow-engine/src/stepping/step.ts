import { type JsonValue, runSequenceId } from '@flowbridge/contracts';
import { evaluateCondition } from '../conditions/conditions';
import type { Action, FlowDocument, Screen } from '../model/schema';
import { screenOptions, screenWaits } from '../model/screens';
import { exactReference, lookupPath, TemplateError, TemplateRenderer } from '../templates/templates';
import { DEFAULT_RESULT_VARIABLE } from '../validation/walk';
import { DEFAULT_REPROMPTS, readReply } from './inputs';
import { renderMessage } from './render';
import { FINISHED_STATUSES, type Effect, type RunEvent, type RunState, type StepResult } from './types';

/** Screens entered plus actions run for one event; beyond it the run ends with LOOP_LIMIT. */
export const MAX_STEPS_PER_EVENT = 100;

export const EndReason = {
  LoopLimit: 'LOOP_LIMIT',
  TemplateError: 'TEMPLATE_ERROR',
  UnknownScreen: 'UNKNOWN_SCREEN',
  Expired: 'EXPIRED',
} as const;

const defaultRenderer = new TemplateRenderer();
const screenIndex = new WeakMap<FlowDocument, Map<string, Screen>>();

export function newRunState(runId: string): RunState {
  return {
    runId,
    status: 'active',
    screenId: null,
    actionIndex: 0,
    variables: {},
    seq: 0,
    pendingApi: null,
    endReason: null,
  };
}

/**
 * Advances a run by one event: `(version, state, event) → (state', effects)`. Pure and deterministic (no
 * clock, no randomness, no I/O), never throws for a validated flow, and takes at most
 * MAX_STEPS_PER_EVENT automatic steps. The input state is not modified.
 */
export function step(
  flow: FlowDocument,
  state: RunState,
  event: RunEvent,
  renderer: TemplateRenderer = defaultRenderer,
): StepResult {
  return new Stepper(flow, structuredClone(state), renderer).apply(event);
}

type Next = { enter: string } | 'stop';

class Stepper {
  private readonly effects: Effect[] = [];
  private readonly entered: string[] = [];
  private steps = 0;
  private readonly screens: Map<string, Screen>;

  constructor(
    private readonly flow: FlowDocument,
    private readonly state: RunState,
    private readonly renderer: TemplateRenderer,
  ) {
    let index = screenIndex.get(flow);
    if (!index) {
      index = new Map();
      // The first screen with an id wins, as validation reports later duplicates.
      for (const screen of flow.screens) if (!index.has(screen.id)) index.set(screen.id, screen);
      screenIndex.set(flow, index);
    }
    this.screens = index;
  }

  apply(event: RunEvent): StepResult {
    if (FINISHED_STATUSES.has(this.state.status)) return this.ignored('finished');
    switch (event.type) {
      case 'start':
        if (this.state.screenId !== null) return this.ignored('already_started');
        for (const v of this.flow.variables) this.state.variables[v.name] = v.default ?? null;
        Object.assign(this.state.variables, structuredClone(event.variables ?? {}));
        this.run({ enter: this.flow.startScreen ?? '' });
        break;
      case 'reply':
        if (this.state.status !== 'waiting_input') return this.ignored('not_waiting_for_reply');
        this.reply(event.reply);
        break;
      case 'api_result': {
        const pending = this.state.pendingApi;
        const action = this.currentScreen()?.actions[this.state.actionIndex];
        if (!pending || pending.key !== event.key || action?.type !== 'data_exchange')
          return this.ignored('stale_api_result');
        this.state.pendingApi = null;
        this.state.variables[action.resultVariable ?? DEFAULT_RESULT_VARIABLE] = structuredClone(
          event.response,
        ) as unknown as JsonValue;
        Object.assign(this.state.variables, structuredClone(event.mapped ?? {}));
        const target = event.response.status === 'success' ? action.onSuccess : action.onFailure;
        this.run({ enter: target ?? '' });
        break;
      }
      case 'expire':
        this.finish('expired', EndReason.Expired);
        break;
    }
    return this.result();
  }

  private reply(reply: Parameters<typeof readReply>[1]): void {
    const screen = this.currentScreen();
    if (!screen) return this.fail(EndReason.UnknownScreen);
    const read = readReply(screen, reply);
    if (!read.fits) return this.reprompt(screen);
    if (screen.input && read.value !== undefined) this.state.variables[screen.input.variable] = read.value;
    this.state.status = 'active';
    if (read.option?.next !== undefined) this.run({ enter: read.option.next });
    else this.runActions(screen, 0);
  }

  /** Moves the run on until it waits (for a reply or an API) or ends. */
  private run(next: Next): void {
    while (next !== 'stop') {
      if (!this.tick()) return;
      const screen = this.screens.get(next.enter);
      if (!screen) return this.fail(EndReason.UnknownScreen);
      this.state.screenId = screen.id;
      this.state.actionIndex = 0;
      this.entered.push(screen.id);
      if (!this.send(screen, screen.messages)) return;
      if (screenWaits(screen)) {
        this.state.status = 'waiting_input';
        this.effects.push({ type: 'wait_input', screenId: screen.id });
        return;
      }
      next = this.actions(screen, 0);
    }
  }

  private runActions(screen: Screen, from: number): void {
    const next = this.actions(screen, from);
    if (next !== 'stop') this.run(next);
  }

  /** Runs the screen's actions from `from` until one moves the run; past the last one the run completes. */
  private actions(screen: Screen, from: number): Next {
    for (let i = from; i < screen.actions.length; i++) {
      if (!this.tick()) return 'stop';
      const action: Action = screen.actions[i];
      this.state.actionIndex = i;
      switch (action.type) {
        case 'data_exchange': {
          const key = runSequenceId(this.state.runId, ++this.state.seq);
          this.state.pendingApi = { apiId: action.api, key };
          this.state.status = 'active';
          this.effects.push({ type: 'call_api', apiId: action.api, key, screenId: screen.id });
          return 'stop';
        }
        case 'if':
          if (evaluateCondition(action.condition, this.state.variables)) return { enter: action.then ?? '' };
          if (action.else !== undefined) return { enter: action.else };
          break;
        case 'set_variable': {
          const value = this.evaluate(action.value);
          if (value === undefined) return 'stop';
          this.state.variables[action.variable] = value;
          break;
        }
        case 'navigate':
          return { enter: action.to ?? '' };
        case 'end':
          this.finish('completed', null);
          return 'stop';
      }
    }
    this.finish('completed', null);
    return 'stop';
  }

  /** A lone `{{ref}}` keeps the value's JSON type; anything else is rendered text. Undefined: the run failed. */
  private evaluate(template: string): JsonValue | undefined {
    const reference = exactReference(template);
    if (reference !== null)
      return (structuredClone(lookupPath(this.state.variables, reference)) ?? null) as JsonValue;
    try {
      return this.renderer.render(template, this.state.variables);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      this.fail(EndReason.TemplateError);
      return undefined;
    }
  }

  private reprompt(screen: Screen): void {
    const text = screen.input?.reprompt ?? DEFAULT_REPROMPTS[screen.input?.type ?? 'option'];
    // The choices are sent again with the prompt, so the contact can tap instead of typing.
    const choices =
      screenOptions(screen).length > 0
        ? screen.messages.filter((m) => m.type === 'buttons' || m.type === 'list')
        : [];
    if (this.send(screen, [{ type: 'text', text }, ...choices]))
      this.effects.push({ type: 'wait_input', screenId: screen.id });
  }

  /** One navigation: the rendered messages under the next sequence number. False when rendering failed. */
  private send(screen: Screen, messages: Screen['messages']): boolean {
    if (messages.length === 0) return true;
    const seq = this.state.seq + 1;
    try {
      const rendered = messages.map((m) =>
        renderMessage(m, this.state.variables, this.renderer, runSequenceId(this.state.runId, seq)),
      );
      this.state.seq = seq;
      this.effects.push({ type: 'send', screenId: screen.id, seq, messages: rendered });
      return true;
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      this.fail(EndReason.TemplateError);
      return false;
    }
  }

  private tick(): boolean {
    if (++this.steps <= MAX_STEPS_PER_EVENT) return true;
    this.fail(EndReason.LoopLimit);
    return false;
  }

  private fail(reason: string): void {
    this.finish('failed', reason);
  }

  private finish(status: 'completed' | 'failed' | 'expired', reason: string | null): void {
    this.state.status = status;
    this.state.endReason = reason;
    this.state.pendingApi = null;
    this.effects.push({ type: 'end', status, reason });
  }

  private currentScreen(): Screen | undefined {
    return this.state.screenId === null ? undefined : this.screens.get(this.state.screenId);
  }

  private ignored(reason: NonNullable<StepResult['ignored']>): StepResult {
    return { state: this.state, effects: [], steps: 0, entered: [], ignored: reason };
  }

  private result(): StepResult {
    return {
      state: this.state,
      effects: this.effects,
      steps: Math.min(this.steps, MAX_STEPS_PER_EVENT),
      entered: this.entered,
    };
  }
}
