import { comparisonsOf, needsValue } from '../conditions/conditions';
import type { Screen } from '../model/schema';
import { messageTexts, screenOptions, screenWaits } from '../model/screens';

/** What validation learns about an API a `data_exchange` calls (from the connections service). */
export type ApiCheck =
  | { ok: true; mappedVariables: string[]; templates: string[] }
  | { ok: false; code: 'UNKNOWN_API' | 'API_URL_REFUSED' | 'API_UNAVAILABLE'; message: string };

export const DEFAULT_RESULT_VARIABLE = 'api_response';

/** Receives what a walk through one screen finds, with the variables set at that point. */
export interface WalkSink {
  /** A template is rendered here. */
  template?(text: string, set: ReadonlySet<string>, path: string): void;
  /** A variable path is read here (a condition); `optional` reads (exists) need not be set. */
  variable?(path: string, set: ReadonlySet<string>, at: string): void;
  /** The run can move to `target` here, carrying `set`; `automatic` when no reply is awaited on the way. */
  edge?(target: string | undefined, set: ReadonlySet<string>, path: string, automatic: boolean): void;
  unreachableAction?(path: string): void;
}

/**
 * Follows one screen as the stepper runs it: messages, then the reply (input or a choice), then the
 * actions in order until one moves the run. Validation walks it once to find the edges and the variables
 * set on each, and again to check every read against what is set there.
 */
export function walkScreen(
  screen: Screen,
  base: string,
  entry: ReadonlySet<string>,
  sink: WalkSink,
  apis?: (apiId: string) => ApiCheck | undefined,
): void {
  screen.messages.forEach((message, i) => {
    for (const { field, text } of messageTexts(message))
      sink.template?.(text, entry, `${base}.messages[${i}].${field}`);
  });
  if (screen.input?.reprompt !== undefined)
    sink.template?.(screen.input.reprompt, entry, `${base}.input.reprompt`);

  const waits = screenWaits(screen);
  const afterReply = new Set(entry);
  if (screen.input) afterReply.add(screen.input.variable);
  for (const option of screenOptions(screen))
    if (option.next !== undefined) sink.edge?.(option.next, afterReply, `${base}.${option.path}.next`, false);

  const current = new Set(waits ? afterReply : entry);
  const automatic = !waits;
  let stopped = false;
  let reported = false;
  screen.actions.forEach((action, j) => {
    const at = `${base}.actions[${j}]`;
    if (stopped) {
      if (!reported) sink.unreachableAction?.(at);
      reported = true;
      return;
    }
    switch (action.type) {
      case 'data_exchange': {
        const api = apis?.(action.api);
        if (api?.ok) for (const t of api.templates) sink.template?.(t, current, `${at}.api`);
        const out = new Set(current);
        out.add(action.resultVariable ?? DEFAULT_RESULT_VARIABLE);
        if (api?.ok) for (const v of api.mappedVariables) out.add(v);
        sink.edge?.(action.onSuccess, out, `${at}.onSuccess`, automatic);
        sink.edge?.(action.onFailure, out, `${at}.onFailure`, automatic);
        stopped = true;
        break;
      }
      case 'if': {
        for (const c of comparisonsOf(action.condition)) {
          // exists / not_exists are how a flow asks whether something is set: they read nothing unsafely.
          if (needsValue(c.operator)) sink.variable?.(c.variable, current, `${at}.condition`);
          if (c.dynamicValue && typeof c.value === 'string')
            sink.variable?.(c.value, current, `${at}.condition`);
        }
        sink.edge?.(action.then, current, `${at}.then`, automatic);
        if (action.else !== undefined) {
          sink.edge?.(action.else, current, `${at}.else`, automatic);
          stopped = true;
        }
        break;
      }
      case 'set_variable':
        sink.template?.(action.value, current, `${at}.value`);
        current.add(action.variable);
        break;
      case 'navigate':
        sink.edge?.(action.to, current, `${at}.to`, automatic);
        stopped = true;
        break;
      case 'end':
        stopped = true;
        break;
    }
  });
}
