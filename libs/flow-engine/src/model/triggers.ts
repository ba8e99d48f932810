import type { TriggerKind, TriggerMessage } from '@flowbridge/contracts';
import { regexMatches } from '../conditions/regex';
import type { Trigger } from './schema';

// How an incoming message picks a flow when the contact has no run. Keywords ignore case and surrounding
// space. When several active flows match, the most specific kind wins (a button payload, then an exact
// keyword, contains, regex, and "any message" last); publishing refuses two flows whose triggers collide.

export const TRIGGER_PRIORITY: Readonly<Record<TriggerKind, number>> = {
  button: 5,
  keyword_exact: 4,
  keyword_contains: 3,
  keyword_regex: 2,
  any_message: 1,
};

const normalise = (text: string): string => text.trim().toLowerCase();

/** The most specific of a flow's triggers that the message matches, or null. */
export function matchTriggers(triggers: readonly Trigger[], message: TriggerMessage): TriggerKind | null {
  let best: TriggerKind | null = null;
  const consider = (kind: TriggerKind): void => {
    if (best === null || TRIGGER_PRIORITY[kind] > TRIGGER_PRIORITY[best]) best = kind;
  };
  const text =
    message.kind === 'text'
      ? normalise(message.text)
      : message.kind === 'choice'
        ? normalise(message.title ?? '')
        : null;
  for (const trigger of triggers) {
    switch (trigger.type) {
      case 'button':
        if (message.kind === 'choice' && trigger.payloads.includes(message.id)) consider('button');
        break;
      case 'keyword':
        if (text === null || text === '') break;
        if (trigger.match === 'exact' && trigger.keywords.some((k) => normalise(k) === text))
          consider('keyword_exact');
        if (trigger.match === 'contains' && trigger.keywords.some((k) => text.includes(normalise(k))))
          consider('keyword_contains');
        if (trigger.match === 'regex' && trigger.keywords.some((k) => regexMatches(k, text)))
          consider('keyword_regex');
        break;
      case 'any_message':
        consider('any_message');
        break;
      case 'api':
        break;
    }
  }
  return best;
}

/**
 * Which of the active flows a message starts: the most specific trigger kind wins, ties go to the most
 * recently activated. Null when none matches.
 */
export function bestTriggerMatch<F extends { triggers: readonly Trigger[]; activatedAt: string | Date }>(
  flows: readonly F[],
  message: TriggerMessage,
): { flow: F; kind: TriggerKind } | null {
  let best: { flow: F; kind: TriggerKind; at: number } | null = null;
  for (const flow of flows) {
    const kind = matchTriggers(flow.triggers, message);
    if (kind === null) continue;
    const at = new Date(flow.activatedAt).getTime();
    const better =
      best === null ||
      TRIGGER_PRIORITY[kind] > TRIGGER_PRIORITY[best.kind] ||
      (TRIGGER_PRIORITY[kind] === TRIGGER_PRIORITY[best.kind] && at > best.at);
    if (better) best = { flow, kind, at };
  }
  return best && { flow: best.flow, kind: best.kind };
}

/** Where two flows' triggers would both claim one message: a shared keyword, button payload or "any message". */
export function triggerCollisions(a: readonly Trigger[], b: readonly Trigger[]): string[] {
  const keywords = (ts: readonly Trigger[]): Set<string> =>
    new Set(ts.flatMap((t) => (t.type === 'keyword' ? t.keywords.map(normalise) : [])));
  const payloads = (ts: readonly Trigger[]): Set<string> =>
    new Set(ts.flatMap((t) => (t.type === 'button' ? t.payloads : [])));
  const any = (ts: readonly Trigger[]): boolean => ts.some((t) => t.type === 'any_message');
  const out: string[] = [];
  const kb = keywords(b);
  for (const k of keywords(a)) if (kb.has(k)) out.push(`keyword "${k}"`);
  const pb = payloads(b);
  for (const p of payloads(a)) if (pb.has(p)) out.push(`button payload "${p}"`);
  if (any(a) && any(b)) out.push('"any message"');
  return out;
}

export function acceptsApiTrigger(triggers: readonly Trigger[]): boolean {
  return triggers.some((t) => t.type === 'api');
}
