// Jobs on the worker's own `flow-api-calls` queue: one attempt of a `data_exchange` step each, delayed for its
// retries (they survive restarts). Validated on receipt by the worker.
import { z } from 'zod';
import { firstProblem, traceparent } from './triggers';

/** One attempt of a `data_exchange` step, on the worker's own `flow-api-calls` queue. */
export interface ApiCallJob {
  version: 1;
  contact: { workspaceId: string; channelId: string; waId: string };
  runId: string;
  apiId: string;
  /** The step's Idempotency-Key, the same on every attempt. */
  key: string;
  attempt: number;
  countedAttempts: number;
  /** Epoch ms of the step's first attempt: the deadline runs from it. */
  startedAt: number;
  /**
   * 1 when this attempt was first run in-process and that process died during it (its lease ran out): with
   * BullMQ's own stalls, a step whose processes died twice is abandoned.
   */
  interrupted?: number;
  /** The W3C `traceparent` of the step that decided the call, when tracing is on: each attempt is its child. */
  trace?: string;
}

export const ApiCallJobName = 'api-call.v1';

const nonEmpty = z.string().min(1);
const count = z.number().int().nonnegative();

export const apiCallJobSchema = z.object({
  version: z.literal(1),
  contact: z.object({ workspaceId: nonEmpty, channelId: nonEmpty, waId: z.string().regex(/^\d{6,15}$/) }),
  runId: nonEmpty,
  apiId: nonEmpty,
  key: nonEmpty,
  attempt: z.number().int().positive(),
  countedAttempts: count,
  startedAt: count,
  interrupted: count.optional(),
  trace: traceparent,
});

/** An API-call job's data checked field by field; the first problem, with its path, when it is not one. */
export function readApiCallJob(data: unknown): ApiCallJob | string {
  const result = apiCallJobSchema.safeParse(data);
  return result.success ? result.data : firstProblem(result)!;
}
