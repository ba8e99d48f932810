import type { DataType } from '../model/schema';

// How a value is read as a condition's data type. A value that cannot be read as the type gives
// undefined, and every comparison with it is false (never a throw):
// - string:  strings as they are; numbers and booleans as their text; objects and arrays as JSON.
// - number:  finite numbers; strings of a decimal number ("12", " -3.5 ", "1e3"), nothing else
//            ("0x10", "Infinity", "" and booleans are not numbers).
// - boolean: true/false; "true"/"yes"/"1" and "false"/"no"/"0" (any case, trimmed); the numbers 1 and 0.
// - date:    ISO 8601 text ("2026-11-24", "2026-11-24T10:00:00Z", with an offset or none = UTC);
//            numbers as epoch milliseconds. A date without a time compares by calendar day (UTC).

export interface DateValue {
  ms: number;
  dateOnly: boolean;
}

export type Coerced = string | number | boolean | DateValue;

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const TRUE_WORDS = new Set(['true', 'yes', '1']);
const FALSE_WORDS = new Set(['false', 'no', '0']);

export function coerce(value: unknown, dataType: 'string'): string | undefined;
export function coerce(value: unknown, dataType: 'number'): number | undefined;
export function coerce(value: unknown, dataType: 'boolean'): boolean | undefined;
export function coerce(value: unknown, dataType: 'date'): DateValue | undefined;
export function coerce(value: unknown, dataType: DataType): Coerced | undefined;
export function coerce(value: unknown, dataType: DataType): Coerced | undefined {
  if (value === null || value === undefined) return undefined;
  switch (dataType) {
    case 'string':
      return asString(value);
    case 'number':
      return asNumber(value);
    case 'boolean':
      return asBoolean(value);
    case 'date':
      return asDate(value);
  }
}

function asString(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'object') return JSON.stringify(value);
  return undefined;
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!DECIMAL.test(trimmed)) return undefined;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : undefined;
}

function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : undefined;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  return TRUE_WORDS.has(word) ? true : FALSE_WORDS.has(word) ? false : undefined;
}

function asDate(value: unknown): DateValue | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? { ms: value, dateOnly: false } : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const match = ISO_DATE.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour] = match;
  // Date.parse rolls 2026-02-30 over to March: check the calendar day survives.
  const calendar = Date.UTC(Number(year), Number(month) - 1, Number(day));
  const check = new Date(calendar);
  if (check.getUTCDate() !== Number(day) || check.getUTCMonth() !== Number(month) - 1) return undefined;
  if (hour === undefined) return { ms: calendar, dateOnly: true };
  const withZone = match[7] ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`;
  const ms = Date.parse(withZone);
  return Number.isFinite(ms) ? { ms, dateOnly: false } : undefined;
}

const DAY_MS = 86_400_000;

/** -1, 0 or 1; dates compare by UTC day when either has no time. */
export function compareDates(a: DateValue, b: DateValue): number {
  const [x, y] =
    a.dateOnly || b.dateOnly ? [Math.floor(a.ms / DAY_MS), Math.floor(b.ms / DAY_MS)] : [a.ms, b.ms];
  return Math.sign(x - y);
}
