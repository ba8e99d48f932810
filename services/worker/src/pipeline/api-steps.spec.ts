import { ApiCallJobName, QueueName } from '@flowbridge/contracts';
import type { AttemptResult, RequestEngine } from '@flowbridge/outbound';
import { Tenancy } from '@flowbridge/platform';
import { apiStepFixture } from '@flowbridge/testing';
import type { DataSource } from 'typeorm';
import type { RpcClients } from '../clients/rpc.clients';
import type { WorkerConfig } from '../worker.config';
import { ApiAttempt } from './api-attempt';
import { ApiSteps } from './api-steps';
import { CallSlots } from './call-slots';
import type { ContactWrite } from './batch-applier';
import type { ContactDrainer } from './contact-drainer';
import type { InlineAttempt, InlineAttempts } from './inline-attempts';
import type { Outbox } from './outbox.service';

// The unit test of ApiSteps and ApiAttempt: its collaborators (the contact's inbox, the request engine, the connections RPC,
// the outbox) are stand-ins recording what it asks of them. The whole path runs for real in test/worker.test.ts.

const { contact, call, run: step } = apiStepFixture();
const run = { ...step, variables: { order: 'A-1' } };
const config = { WORKER_CONCURRENCY: 4, WORKER_LOCK_DURATION_MS: 30_000 } as WorkerConfig;
const resolved = {
  ok: true,
  connection: { id: 'conn-1' },
  api: { id: 'api-1', timeoutMs: 5000 },
} as unknown as Awaited<ReturnType<RpcClients['resolveApi']>>;

function answer(overrides: Partial<AttemptResult> = {}): AttemptResult {
  return {
    response: {
      status: 'success',
      statusCode: 200,
      data: { status: 'shipped' },
      headers: {},
      error: null,
      attempts: 1,
      durationMs: 3,
      truncated: false,
    },
    variables: { orderStatus: 'shipped' },
    log: { attempt: 1 } as unknown as AttemptResult['log'],
    retry: null,
    ...overrides,
  };
}

function setUp(options: { resolve?: () => Promise<unknown>; result?: AttemptResult } = {}) {
  const writes: ContactWrite[] = [];
  const workspaces: Array<string | undefined> = [];
  let inline: ((attempt: InlineAttempt) => Promise<void>) | undefined;
  const attempts = { runWith: (run: (attempt: InlineAttempt) => Promise<void>) => (inline = run) };
  const drainer = {
    submit: jest.fn(async (write: ContactWrite) => {
      writes.push(write);
      return true;
    }),
  };
  const engine = {
    attempt: jest.fn(async () => {
      const scope = Tenancy.current();
      workspaces.push(typeof scope === 'object' ? scope.workspaceId : undefined);
      return options.result ?? answer();
    }),
  };
  const rpc = { resolveApi: jest.fn(options.resolve ?? (async () => resolved)) };
  const outbox = { renewLease: jest.fn(async () => undefined), releaseLease: jest.fn(async () => undefined) };
  const apiAttempt = new ApiAttempt(
    drainer as unknown as ContactDrainer,
    engine as unknown as RequestEngine,
    rpc as unknown as RpcClients,
    new CallSlots(config),
  );
  const steps = new ApiSteps(
    {} as DataSource,
    drainer as unknown as ContactDrainer,
    apiAttempt,
    config,
    outbox as unknown as Outbox,
    attempts as unknown as InlineAttempts,
  );
  return {
    steps,
    writes,
    workspaces,
    engine,
    outbox,
    runInline: (a: InlineAttempt) => inline!(a),
  };
}

describe('ApiSteps and ApiAttempt: one attempt of a data_exchange step', () => {
  it("an answer goes into the contact's inbox once per step, with its call log, settling the leased row", async () => {
    const { writes, workspaces, engine, runInline } = setUp();
    await runInline({ call, jobId: 'api-run-1-1', run });
    expect(engine.attempt).toHaveBeenCalledWith(
      expect.objectContaining({ variables: run.variables, idempotencyKey: call.key, attempt: 1 }),
    );
    // In the contact's workspace: row-level security keeps the call's rows there.
    expect(workspaces).toEqual(['ws-a']);
    expect(writes).toEqual([
      expect.objectContaining({
        contact,
        settles: 'api-run-1-1',
        callLog: expect.objectContaining({ runId: 'run-1', stepKey: call.key, attempt: 1, flowVersion: 2 }),
        entry: expect.objectContaining({
          eventId: 'result-run-1-1',
          event: expect.objectContaining({
            kind: 'api_result',
            key: call.key,
            mapped: { orderStatus: 'shipped' },
            response: expect.objectContaining({ status: 'success' }),
          }),
        }),
      }),
    ]);
  });

  it('a retry is the next attempt as a delayed job through the outbox, under an id of the step and attempt', async () => {
    const { writes, runInline } = setUp({ result: answer({ retry: { afterMs: 2000, counted: true } }) });
    await runInline({ call: { ...call, interrupted: 1 }, jobId: 'api-run-1-1', run });
    expect(writes).toHaveLength(1);
    expect(writes[0].entry).toBeUndefined(); // no result yet: the run keeps waiting
    expect(writes[0].jobs).toEqual([
      {
        queue: QueueName.FlowApiCalls,
        name: ApiCallJobName,
        jobId: 'api-run-1-1-2',
        delayMs: 2000,
        payload: { ...call, attempt: 2, countedAttempts: 1, interrupted: undefined },
      },
    ]);
  });

  it('an API that no longer exists ends the step as API_NOT_FOUND without calling anything', async () => {
    const { writes, engine, runInline } = setUp({
      resolve: async () => ({ ok: false, message: 'API api-1 does not exist' }),
    });
    await runInline({ call, jobId: 'api-run-1-1', run });
    expect(engine.attempt).not.toHaveBeenCalled();
    expect(writes[0].entry?.event).toMatchObject({
      kind: 'api_result',
      response: { status: 'failure', error: { code: 'API_NOT_FOUND' } },
    });
  });

  it('an in-process attempt that cannot finish (the RPC is down) drops its lease: the queue takes it at once', async () => {
    const { writes, outbox, runInline } = setUp({
      resolve: async () => {
        throw new Error('connections unavailable');
      },
    });
    await runInline({ call, jobId: 'api-run-1-1', run });
    expect(writes).toEqual([]);
    expect(outbox.releaseLease).toHaveBeenCalledWith(contact, 'api-run-1-1');
  });
});
