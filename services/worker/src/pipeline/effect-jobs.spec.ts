import {
  ApiCallJobName,
  contactPartition,
  NavigationJobName,
  navigationQueue,
  QueueName,
  readApiCallJob,
  readNavigationEvent,
} from '@flowbridge/contracts';
import type { Effect } from '@flowbridge/flow-engine';
import type { RunEntity } from '../runs/run.entity';
import { outboxJobsOf } from './effect-jobs';

const run = {
  id: '6f1c2e0b-5d4a-4f7e-9c3b-2a1d0e9f8a7b',
  workspaceId: 'ws-a',
  channelId: '0b6f1c2e-5d4a-4f7e-9c3b-2a1d0e9f8a7b',
  waId: '447700900001',
  flowId: 'flow-1',
  flowVersion: 4,
} as RunEntity;

describe('outboxJobsOf: the jobs a run decides, as outbox rows', () => {
  it("a send is a navigation on the contact's partition, under an id made of the run and the sequence", () => {
    const send: Effect = {
      type: 'send',
      screenId: 'found',
      seq: 3,
      messages: [{ type: 'text', text: 'hi' }],
    };
    const [job, ...rest] = outboxJobsOf(run, send, 16);
    expect(rest).toEqual([]);
    expect(job).toMatchObject({
      queue: navigationQueue(contactPartition(run, 16)),
      name: NavigationJobName.Navigation,
      payload: { navigationId: `${run.id}:3`, screenId: 'found', seq: 3, flowVersion: 4 },
    });
    // Deterministic: deciding the same step again (a replay) gives the same job, which BullMQ keeps once.
    expect(outboxJobsOf(run, send, 16)[0].jobId).toBe(job.jobId);
    expect(outboxJobsOf({ ...run, id: 'another-run' }, send, 16)[0].jobId).not.toBe(job.jobId);
    // What the messaging service will accept on receipt.
    expect(readNavigationEvent(job.payload)).toEqual(job.payload);
  });

  it('an API call is its first attempt on flow-api-calls, keyed by the step', () => {
    const call: Effect = { type: 'call_api', apiId: 'api-1', key: `${run.id}:2`, screenId: 'lookup' };
    const [job] = outboxJobsOf(run, call, 16);
    expect(job).toMatchObject({
      queue: QueueName.FlowApiCalls,
      name: ApiCallJobName,
      payload: { runId: run.id, apiId: 'api-1', key: `${run.id}:2`, attempt: 1, countedAttempts: 0 },
    });
    expect(outboxJobsOf(run, call, 16)[0].jobId).toBe(job.jobId);
    expect(readApiCallJob(job.payload)).toEqual(job.payload);
  });

  it('waiting for input and ending the run queue nothing', () => {
    expect(outboxJobsOf(run, { type: 'wait_input', screenId: 'ask' }, 16)).toEqual([]);
    expect(outboxJobsOf(run, { type: 'end', status: 'completed', reason: null }, 16)).toEqual([]);
  });
});
