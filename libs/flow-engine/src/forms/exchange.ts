import { type FormExchangeAnswer, FormMessages, type JsonValue } from '@flowbridge/contracts';
import type { FlowDocument, Message } from '../model/schema';
import { exactReference, lookupPath, TemplateError, type TemplateRenderer } from '../templates/templates';
import { type FooterAction, type Form, type FormScreen, inputsOf } from './form-schema';
import { sensitiveInputs } from './flow-json';
import { FAILURE_MESSAGE_FIELD } from './verify-form';

// What our data endpoint answers for a form, decided without I/O: the worker reads the run and calls the API,
// these functions say which screen comes next and with which data.

/** A screen request WhatsApp made for a person filling in a form (the data endpoint's INIT, BACK, data_exchange). */
export interface FormRequest {
  action: 'INIT' | 'data_exchange' | 'BACK';
  /** The screen the person is on ("" on INIT). */
  screen: string;
  /** What the footer sent: the screen's inputs by default. */
  data: Record<string, unknown>;
}

type DataExchange = Extract<FooterAction, { type: 'data_exchange' }>;
type FlowMessage = Extract<Message, { type: 'flow' }>;

export type FormPlan =
  | { kind: 'answer'; answer: FormExchangeAnswer }
  /** Call the footer's API with the submitted values, then answer with successAnswer or failureAnswer. */
  | {
      kind: 'call';
      screen: FormScreen;
      action: DataExchange & { api: string };
      values: Record<string, JsonValue>;
    };

/** The `flow` message of the chat screen a run waits on that opened `formId`, if it is one. */
export function openingMessage(
  flow: FlowDocument,
  screenId: string | null,
  formId: string,
): FlowMessage | undefined {
  const screen = flow.screens.find((s) => s.id === screenId);
  return screen?.messages.find((m): m is FlowMessage => m.type === 'flow' && m.form === formId);
}

/**
 * The data a form opens with: its opening message's `data`, each a template over the run's variables (a lone
 * `{{ref}}` keeps its JSON type, so an array can fill a dropdown). Throws TemplateError.
 */
export function openingData(
  message: FlowMessage,
  variables: Record<string, JsonValue>,
  renderer: TemplateRenderer,
): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.entries(message.data ?? {}).map(([key, template]) => [
      key,
      evaluate(template, variables, renderer),
    ]),
  );
}

/**
 * What a request needs. INIT: the start screen with the opening data. BACK (only asked for when a screen
 * refreshes on back): the screen named when it reads no data, else the form starts over. data_exchange: the
 * footer's API call, with the values the footer sends.
 */
export function planFormRequest(
  form: Form,
  request: FormRequest,
  opening: Record<string, JsonValue>,
): FormPlan {
  const byId = new Map(form.screens.map((s) => [s.id, s]));
  const start = form.startScreen ? byId.get(form.startScreen) : undefined;
  const answer = (a: FormExchangeAnswer): FormPlan => ({ kind: 'answer', answer: a });
  const restart = (): FormPlan =>
    start
      ? answer({ screen: start.id, data: fitDeclared(start, opening) })
      : answer({ close: FormMessages.closed });
  if (request.action === 'INIT') return restart();
  const screen = byId.get(request.screen);
  if (request.action === 'BACK')
    return screen && Object.keys(screen.data).length === 0
      ? answer({ screen: screen.id, data: {} })
      : restart();
  const action = screen?.footer?.action;
  if (!screen || action?.type !== 'data_exchange' || !action.api)
    return answer(
      screen
        ? { screen: screen.id, data: { [FAILURE_MESSAGE_FIELD]: FormMessages.unexpected } }
        : { close: FormMessages.closed },
    );
  return {
    kind: 'call',
    screen,
    action: { ...action, api: action.api },
    values: sentValues(screen, request.data),
  };
}

/**
 * The success screen with its data: each `apiData` template rendered over `scope` (`api_response`, `form` and
 * the run's variables), fitted to what the screen declares. A template that cannot render answers the failure
 * screen instead.
 */
export function successAnswer(
  form: Form,
  action: DataExchange,
  scope: Record<string, JsonValue>,
  values: Record<string, JsonValue>,
  renderer: TemplateRenderer,
): FormExchangeAnswer {
  const screen = form.screens.find((s) => s.id === action.onSuccess);
  if (!screen) return { close: FormMessages.closed };
  try {
    const data = Object.fromEntries(
      Object.entries(action.apiData).map(([key, template]) => [key, evaluate(template, scope, renderer)]),
    );
    return { screen: screen.id, data: fitDeclared(screen, data) };
  } catch (error) {
    if (!(error instanceof TemplateError)) throw error;
    return failureAnswer(form, action, FormMessages.failed, values);
  }
}

/** The failure screen: the message and the submitted values, as far as the screen declares them. */
export function failureAnswer(
  form: Form,
  action: DataExchange,
  message: string,
  values: Record<string, JsonValue>,
): FormExchangeAnswer {
  const screen = form.screens.find((s) => s.id === action.onFailure);
  if (!screen) return { close: FormMessages.closed };
  return { screen: screen.id, data: fitDeclared(screen, { ...values, [FAILURE_MESSAGE_FIELD]: message }) };
}

/** The values with the screen's sensitive inputs masked: what logs and the run's history keep. */
export function maskSensitive(
  form: Form,
  screenId: string,
  values: Record<string, JsonValue>,
): Record<string, JsonValue> {
  const screen = form.screens.find((s) => s.id === screenId);
  const hidden = new Set(screen ? sensitiveInputs(screen) : Object.keys(values));
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, hidden.has(k) ? '••••' : v]));
}

/** Only the names the footer sends (its payload's, or the screen's inputs): nothing else reaches the API. */
function sentValues(screen: FormScreen, data: Record<string, unknown>): Record<string, JsonValue> {
  const action = screen.footer?.action;
  const names = action?.payload ? Object.keys(action.payload) : inputsOf(screen).map((i) => i.name);
  return Object.fromEntries(names.filter((n) => n in data).map((n) => [n, asJson(data[n])]));
}

/**
 * A screen's data as WhatsApp checks it against the screen's declaration: only the declared names, each of its
 * declared type; a missing one gets the type's empty value, so the answer is always one WhatsApp shows.
 */
export function fitDeclared(screen: FormScreen, values: Record<string, unknown>): Record<string, JsonValue> {
  return Object.fromEntries(
    Object.entries(screen.data).map(([name, field]) => [name, asType(field.type, values[name])]),
  );
}

function asType(type: FormScreen['data'][string]['type'], value: unknown): JsonValue {
  switch (type) {
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      return value === undefined || value === null ? '' : JSON.stringify(value);
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      return Number.isFinite(n) ? n : 0;
    }
    case 'boolean':
      return value === true || value === 'true';
    case 'array':
      return Array.isArray(value) ? (value as JsonValue[]) : [];
  }
}

function asJson(value: unknown): JsonValue {
  if (value === undefined) return null;
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** A lone `{{ref}}` keeps the value's JSON type; anything else is rendered text. Throws TemplateError. */
function evaluate(template: string, scope: Record<string, JsonValue>, renderer: TemplateRenderer): JsonValue {
  const reference = exactReference(template);
  if (reference !== null) return (structuredClone(lookupPath(scope, reference)) ?? null) as JsonValue;
  return renderer.render(template, scope);
}
