// A WhatsApp Flows data-endpoint request on its way to the worker, and the answer on its way back.
//
// The messaging replica that holds WhatsApp's HTTP request queues a job on `flow-form-exchanges` (its own queue,
// so a backlog of chat messages cannot make a form late) and waits; the worker reads the run, calls the API
// within the deadline, and publishes the answer on the Redis channel the job names (the holding replica's),
// keyed by the request id. Both carry the person's values sealed under a key derived from INTERNAL_KEY: Redis
// never holds them in clear, and an answer nobody with the key made does not open.
import { z } from 'zod';
import type { JsonValue } from './connections';
import { firstProblem } from './triggers';

export const FormExchangeJobName = 'form-exchange.v1';

export interface FormExchangeJob {
  version: 1;
  /** Unique per HTTP request; also the job id and the answer's key. */
  requestId: string;
  /** The Redis channel the answer is published on: the holding replica's. */
  replyTo: string;
  workspaceId: string;
  channelId: string;
  /** From the flow token, checked by the messaging service. */
  runId: string;
  formId: string;
  navigationId: string;
  action: 'INIT' | 'data_exchange' | 'BACK';
  screen: string;
  /** `JSON.stringify(data)` sealed (context `formExchangeContext.request(requestId)`). */
  sealedData: string;
  /** Epoch ms: when the request arrived, and after which the worker answers the failure screen. */
  receivedAt: number;
  /** The deadline the messaging service holds the request to; a footer may ask for less. */
  holdUntil: number;
}

/** The answer, sealed as `JSON.stringify(FormExchangeAnswer)` (context `formExchangeContext.answer(requestId)`). */
export interface FormAnswerMessage {
  requestId: string;
  sealed: string;
}

/** The screen to show with its data, or the form closed with a message (the endpoint's 427). */
export type FormExchangeAnswer = { screen: string; data: Record<string, JsonValue> } | { close: string };

/** Meta's field for an error shown on the screen the person is on; a failure screen's message too. */
export const FORM_ERROR_FIELD = 'error_message';

/** What a person reads when a form cannot go on; shown by WhatsApp, so plain and short. */
export const FormMessages = {
  closed: 'This form is no longer available. Please start again from the chat.',
  failed: 'We could not complete this right now. Please try again.',
  late: 'This is taking longer than expected. Please try again.',
  unexpected: 'This step could not be completed. Please try again.',
} as const;

/**
 * The answer to a request that cannot be answered as designed (the worker failed, or no answer came in time):
 * `message` on the screen the person is on, who may submit again; with no screen to show it on, the form closed.
 */
export function errorOnScreen(
  request: { action: string; screen: string },
  message: string,
): FormExchangeAnswer {
  return request.action === 'data_exchange' && request.screen
    ? { screen: request.screen, data: { [FORM_ERROR_FIELD]: message } }
    : { close: FormMessages.closed };
}

export const formExchangeContext = {
  request: (requestId: string) => `form-exchange/request/${requestId}`,
  answer: (requestId: string) => `form-exchange/answer/${requestId}`,
};

/** The channel a messaging replica hears its answers on. */
export function formAnswerChannel(prefix: string, replicaId: string): string {
  return `${prefix}:form-answers:${replicaId}`;
}

const nonEmpty = z.string().min(1).max(200);
const count = z.number().int().nonnegative();

export const formExchangeJobSchema = z.object({
  version: z.literal(1),
  requestId: nonEmpty,
  replyTo: nonEmpty,
  workspaceId: nonEmpty,
  channelId: nonEmpty,
  runId: nonEmpty,
  formId: nonEmpty,
  navigationId: nonEmpty,
  action: z.enum(['INIT', 'data_exchange', 'BACK']),
  screen: z.string().max(200),
  sealedData: z.string().min(1).max(200_000),
  receivedAt: count,
  holdUntil: count,
});

/** A form-exchange job's data checked field by field; the first problem, with its path, when it is not one. */
export function readFormExchangeJob(data: unknown): FormExchangeJob | string {
  const result = formExchangeJobSchema.safeParse(data);
  return result.success ? result.data : firstProblem(result)!;
}

const answerSchema = z.union([
  z.object({ screen: z.string().min(1), data: z.record(z.string(), z.unknown()) }),
  z.object({ close: z.string().min(1) }),
]);

/** An opened answer checked; null when it is not one. */
export function readFormExchangeAnswer(value: unknown): FormExchangeAnswer | null {
  const result = answerSchema.safeParse(value);
  return result.success ? (result.data as FormExchangeAnswer) : null;
}
