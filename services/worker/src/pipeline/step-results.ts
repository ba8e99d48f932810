import {
  type ApiCallJob,
  type ApiResponse,
  jobIdOf,
  type JsonValue,
  type OutboundErrorCode,
} from '@flowbridge/contracts';
import { failureOf } from '@flowbridge/outbound';
import type { EntityManager } from 'typeorm';
import { type RunEntity, runStateOf } from '../runs/run.entity';
import { runById } from '../runs/run-rows';
import type { ContactDrainer } from './contact-drainer';
import { type InboxEntry, InboxRepository } from './inbox.repository';

// What an API step's attempt and its abandonment share: whether the step still waits for its answer, and the
// answer as the contact's inbox takes it.

/**
 * The run, while its step still waits for this call's answer; null once it has moved on. An answer recorded but
 * not applied yet (its write failed, so it was kept as pending) is applied now: the API is not asked again.
 */
export async function awaitingAnswer(
  db: EntityManager,
  drainer: ContactDrainer,
  call: ApiCallJob,
): Promise<RunEntity | null> {
  const run = await runById(db, call.runId);
  if (!run || runStateOf(run).pendingApi?.key !== call.key) return null;
  if (await InboxRepository.holds(db, resultIdOf(call))) {
    await drainer.drain(call.contact);
    return null;
  }
  return run;
}

/** The step's final result as an inbox entry, under one id per step: applied once, however often written. */
export function resultEntry(
  call: ApiCallJob,
  response: ApiResponse,
  mapped: Record<string, JsonValue>,
  trace?: string,
): InboxEntry {
  return {
    eventId: resultIdOf(call),
    contact: call.contact,
    occurredAt: new Date().toISOString(),
    event: {
      kind: 'api_result',
      runId: call.runId,
      key: call.key,
      response,
      mapped,
      ...(trace !== undefined ? { trace } : {}),
    },
  };
}

/**
 * A step that ends without an answer from the API: its API or connection is gone (API_NOT_FOUND), or it was
 * abandoned (STEP_ABANDONED). The run takes its failure screen.
 */
export function failedWithoutAnswer(code: OutboundErrorCode, message: string, call: ApiCallJob): ApiResponse {
  return failureOf(code, message, { attempts: call.attempt, durationMs: Date.now() - call.startedAt });
}

/** The inbox id of a step's final result: one per step, however many attempts or copies. */
function resultIdOf(call: ApiCallJob): string {
  return jobIdOf('result', call.key);
}
