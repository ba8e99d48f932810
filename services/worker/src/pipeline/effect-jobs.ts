import {
  ApiCallJobName,
  type ApiCallJob,
  contactPartition,
  jobIdOf,
  navigationQueue,
  NavigationJobName,
  type NavigationEventV1,
  QueueName,
  runSequenceId,
} from '@flowbridge/contracts';
import type { Effect } from '@flowbridge/flow-engine';
import type { RunEntity } from '../runs/run.entity';
import type { ContactKey } from './jobs';
import type { OutboxJob } from './outbox.repository';

/**
 * The jobs a run's effect asks for, as outbox rows: a navigation on the contact's partition, or the first attempt
 * of an API step. Their ids are deterministic (run and sequence; step key and attempt), so a job sent twice is
 * one job. `trace` is the `traceparent` of the step that decided them, carried on to the next hop.
 */
export function outboxJobsOf(
  run: RunEntity,
  effect: Effect,
  navigationPartitions: number,
  trace?: string,
): OutboxJob[] {
  const contact: ContactKey = { workspaceId: run.workspaceId, channelId: run.channelId, waId: run.waId };
  if (effect.type === 'send') {
    const navigation: NavigationEventV1 = {
      version: 1,
      navigationId: runSequenceId(run.id, effect.seq),
      workspaceId: run.workspaceId,
      channelId: run.channelId,
      contact: { waId: run.waId },
      runId: run.id,
      flowId: run.flowId,
      flowVersion: run.flowVersion,
      screenId: effect.screenId,
      seq: effect.seq,
      messages: effect.messages,
      emittedAt: new Date().toISOString(),
      ...(trace !== undefined ? { trace } : {}),
    };
    return [
      {
        queue: navigationQueue(contactPartition(contact, navigationPartitions)),
        name: NavigationJobName.Navigation,
        jobId: jobIdOf('nav', run.id, effect.seq),
        payload: navigation,
      },
    ];
  }
  if (effect.type === 'call_api') {
    const job: ApiCallJob = {
      version: 1,
      contact,
      runId: run.id,
      apiId: effect.apiId,
      key: effect.key,
      attempt: 1,
      countedAttempts: 0,
      startedAt: Date.now(),
      ...(trace !== undefined ? { trace } : {}),
    };
    return [
      {
        queue: QueueName.FlowApiCalls,
        name: ApiCallJobName,
        jobId: jobIdOf('api', effect.key, 1),
        payload: job,
      },
    ];
  }
  return [];
}
