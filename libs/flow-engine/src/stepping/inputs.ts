import type { JsonValue } from '@flowbridge/contracts';
import { coerce } from '../conditions/coerce';
import type { InputType, Screen } from '../model/schema';
import { type ScreenOption, screenOptions, sendsFlowMessage } from '../model/screens';
import type { Reply } from './types';

// How a reply is read for a screen's input (written down here because people type what they like):
// - string: any non-empty text (trimmed); a tapped option gives its title.
// - number: a decimal number ("12", "-3.5", "1e3"), as for conditions.
// - email:  one @, no spaces, a dot in the domain; kept as typed (trimmed).
// - phone:  7 to 15 digits, optionally after "+", with spaces, dashes, dots or brackets between;
//           kept as the digits (with the "+" when given).
// - date:   2026-11-24, or day first: 24/11/2026, 24-11-2026, 24.11.2026; kept as 2026-11-24.
// - choice: a tapped button or list row of the screen, or a typed title (any case) or its number (1, 2…);
//           kept as the option's id.
// A WhatsApp Flow's response fits any input of a screen that sent a Flow, and is kept as its JSON.

export type ReadReply = { fits: true; value: JsonValue | undefined; option?: ScreenOption } | { fits: false };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE_SEPARATORS = /[\s\-.()]/g;
const PHONE = /^\+?\d{7,15}$/;
const DAY_FIRST = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/;
const MAX_TEXT = 4096;

export const DEFAULT_REPROMPTS: Readonly<Record<InputType | 'option', string>> = {
  string: 'Please reply with a text message.',
  number: 'Please reply with a number, e.g. 42.',
  email: 'Please reply with an email address, e.g. name@example.com.',
  phone: 'Please reply with a phone number, e.g. +44 20 7946 0958.',
  date: 'Please reply with a date, e.g. 24/11/2026.',
  choice: 'Please choose one of the options.',
  option: 'Please choose one of the options.',
};

/** Whether a reply fits what the screen waits for, and the value to keep. */
export function readReply(screen: Screen, reply: Reply): ReadReply {
  const options = screenOptions(screen);
  const option = pickOption(options, reply, screen.input?.type === 'choice' || !screen.input);
  const input = screen.input;
  if (!input) return option ? { fits: true, value: undefined, option } : { fits: false };
  if (reply.kind === 'flow')
    return sendsFlowMessage(screen) ? { fits: true, value: reply.data } : { fits: false };
  if (input.type === 'choice') return option ? { fits: true, value: option.id, option } : { fits: false };
  const text =
    reply.kind === 'text' ? reply.text : reply.kind === 'choice' ? (option?.title ?? reply.title) : undefined;
  if (text === undefined) return { fits: false };
  const value = readTyped(input.type, text);
  return value === undefined ? { fits: false } : { fits: true, value, option };
}

export function readTyped(type: InputType, raw: string): JsonValue | undefined {
  const text = raw.trim();
  if (text.length === 0 || text.length > MAX_TEXT) return undefined;
  switch (type) {
    case 'string':
    case 'choice':
      return text;
    case 'number':
      return coerce(text, 'number');
    case 'email':
      return text.length <= 254 && EMAIL.test(text) ? text : undefined;
    case 'phone': {
      const compact = text.replace(PHONE_SEPARATORS, '');
      return PHONE.test(compact) ? compact : undefined;
    }
    case 'date':
      return readDate(text);
  }
}

function readDate(text: string): string | undefined {
  const dayFirst = DAY_FIRST.exec(text);
  const iso = dayFirst
    ? `${dayFirst[3]}-${dayFirst[2].padStart(2, '0')}-${dayFirst[1].padStart(2, '0')}`
    : /^\d{4}-\d{2}-\d{2}$/.test(text)
      ? text
      : undefined;
  return iso !== undefined && coerce(iso, 'date') !== undefined ? iso : undefined;
}

function pickOption(options: ScreenOption[], reply: Reply, byText: boolean): ScreenOption | undefined {
  if (reply.kind === 'choice') return options.find((o) => o.id === reply.id);
  if (reply.kind !== 'text' || !byText) return undefined;
  const typed = reply.text.trim().toLowerCase();
  const number = /^\d{1,2}$/.test(typed) ? Number(typed) : 0;
  if (number >= 1 && number <= options.length) return options[number - 1];
  return options.find((o) => o.title.trim().toLowerCase() === typed);
}
