import { ApiCallJobName, QueueName } from '@flowbridge/contracts';
import { JobAuth } from '@flowbridge/platform';
import { apiStepFixture } from '@flowbridge/testing';
import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../worker.config';
import type { AbandonedSteps } from './abandoned-steps';
import { FailedApiCalls } from './failed-api-calls';
import type { Outbox } from './outbox.service';

// The unit test of FailedApiCalls: the queue's jobs and the abandonment are stand-ins. That a forged job fails
// without ending the step it names runs for real in test/worker.test.ts ("forged or malformed").

const KEY = 'the-internal-key-of-this-deployment-0000';
const config = { INTERNAL_KEY: KEY, NODE_ENV: 'test' } as WorkerConfig;
const { call } = apiStepFixture();

function setUp(job: { name: string; data: unknown; failed?: boolean } | null) {
  const stored = job && {
    id: 'api-run-1-1-1',
    queueName: QueueName.FlowApiCalls,
    name: job.name,
    data: job.data,
    isFailed: async () => job.failed ?? true,
  };
  const outbox = { queue: () => ({ getJob: async () => stored ?? undefined }) };
  const abandoned = { abandon: jest.fn(async () => undefined) };
  const failed = new FailedApiCalls(
    config,
    outbox as unknown as Outbox,
    abandoned as unknown as AbandonedSteps,
    {} as Redis,
  );
  return { failed, abandoned };
}

const signed = (key: string, data: object) =>
  new JobAuth(key).sign(QueueName.FlowApiCalls, ApiCallJobName, 'api-run-1-1-1', data);

describe('FailedApiCalls: an API-call job failed for good ends its step, if a service queued it', () => {
  it("a job this deployment signed, failed for good: its step is abandoned with the job's reason", async () => {
    const { failed, abandoned } = setUp({ name: ApiCallJobName, data: signed(KEY, call) });
    await failed.abandon('api-run-1-1-1', 'attempts spent');
    expect(abandoned.abandon).toHaveBeenCalledWith(
      expect.objectContaining({ runId: call.runId, key: call.key }),
      'api-run-1-1-1',
      'attempts spent',
    );
  });

  it('unsigned, signed with another key, with a payload it refuses, under another name, gone or not failed: nothing ends', async () => {
    const cases = [
      { name: ApiCallJobName, data: call },
      { name: ApiCallJobName, data: signed('another-key-another-key-another-key-00', call) },
      { name: ApiCallJobName, data: signed(KEY, { ...call, attempt: 'one' }) },
      { name: 'something-else', data: signed(KEY, call) },
      { name: ApiCallJobName, data: signed(KEY, call), failed: false },
      null,
    ];
    for (const job of cases) {
      const { failed, abandoned } = setUp(job);
      await failed.abandon('api-run-1-1-1', 'job refused');
      expect(abandoned.abandon).not.toHaveBeenCalled();
    }
  });
});
