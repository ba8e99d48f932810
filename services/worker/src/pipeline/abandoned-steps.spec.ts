import { apiStepFixture } from '@flowbridge/testing';
import type { DataSource } from 'typeorm';
import type { RpcClients } from '../clients/rpc.clients';
import type { WorkerConfig } from '../worker.config';
import { AbandonedSteps } from './abandoned-steps';
import type { ContactDrainer, ContactWrite } from './contact-drainer';

// The unit test of AbandonedSteps: the database, the contact's inbox and the connections RPC are stand-ins
// recording what it asks of them. Two workers frozen in turn run it for real in test/reliability (F3).

const { contact, call, run } = apiStepFixture();
// An attempt can take the API's timeout (200 ms here) and a lock's length (300 ms) for its write.
const config = { WORKER_LOCK_DURATION_MS: 300 } as WorkerConfig;

/**
 * The database as the step's reads see it: `pending(n)` says, at the n-th read of the run, whether the run still
 * waits for the call's answer and whether that answer is recorded in the inbox (not yet applied).
 */
function database(pending: (read: number) => { run: boolean; recorded?: boolean }) {
  let read = 0;
  const query = jest.fn(async (sql: string) => {
    if (/worker\.inbox/.test(sql)) return [{ held: pending(read).recorded ?? false }];
    read += 1;
    return pending(read).run ? [{ ...run, state: { pendingApi: { key: call.key }, variables: {} } }] : [];
  });
  return { db: { manager: { query } } as unknown as DataSource, reads: () => read };
}

function setUp(db: DataSource = {} as DataSource) {
  const writes: ContactWrite[] = [];
  const drainer = {
    submit: jest.fn(async (write: ContactWrite) => {
      writes.push(write);
      return true;
    }),
    drain: jest.fn(async () => undefined),
  };
  const rpc = {
    resolveApi: jest.fn(async () => ({
      ok: true,
      connection: { id: 'conn-1' },
      api: { id: 'api-1', timeoutMs: 200 },
    })),
  };
  const steps = new AbandonedSteps(
    db,
    drainer as unknown as ContactDrainer,
    rpc as unknown as RpcClients,
    config,
  );
  return { steps, writes, drainer };
}

async function settle(steps: AbandonedSteps) {
  const began = Date.now();
  const outcome = await steps.unlessAnswered(call, 'api-run-1-1', new AbortController().signal);
  return { outcome, waitedMs: Date.now() - began };
}

describe('AbandonedSteps: the end of an API step that gets no answer', () => {
  it("a step whose job failed for good takes the failure screen as STEP_ABANDONED, under the step's result id", async () => {
    const { steps, writes } = setUp();
    await steps.abandon(call, 'api-run-1-1', 'job stalled more than allowable limit');
    expect(writes).toHaveLength(1);
    expect(writes[0].entry).toMatchObject({
      eventId: 'result-run-1-1',
      event: {
        kind: 'api_result',
        response: {
          status: 'failure',
          error: { code: 'STEP_ABANDONED', message: expect.stringContaining('stalled') },
        },
      },
    });
  });

  it('a step whose processes stopped twice takes its failure screen once no answer came for as long as an attempt can take', async () => {
    const { db } = database(() => ({ run: true }));
    const { steps, writes } = setUp(db);
    const { outcome, waitedMs } = await settle(steps);
    expect(outcome).toBe('abandoned');
    // The API's timeout and the lock: not before.
    expect(waitedMs).toBeGreaterThanOrEqual(495);
    expect(writes).toHaveLength(1);
    expect(writes[0].entry?.event).toMatchObject({ response: { error: { code: 'STEP_ABANDONED' } } });
  });

  it('is not abandoned when a process that only lost its lock records the answer meanwhile', async () => {
    // The run has moved on at the second read: the process cut off from Redis applied the API's answer.
    const { db, reads } = database((read) => ({ run: read < 2 }));
    const { steps, writes } = setUp(db);
    expect((await settle(steps)).outcome).toBe('answered');
    expect(reads()).toBe(2);
    expect(writes).toEqual([]);
  });

  it('applies an answer recorded but not yet applied, and does not abandon', async () => {
    const { db } = database((read) => ({ run: true, recorded: read >= 2 }));
    const { steps, writes, drainer } = setUp(db);
    expect((await settle(steps)).outcome).toBe('answered');
    expect(drainer.drain).toHaveBeenCalledWith(contact);
    expect(writes).toEqual([]);
  });

  it('ends its wait at shutdown with an AbortError, abandoning nothing', async () => {
    const { db } = database(() => ({ run: true }));
    const { steps, writes } = setUp(db);
    const shutdown = new AbortController();
    const waiting = steps.unlessAnswered(call, 'api-run-1-1', shutdown.signal);
    setTimeout(() => shutdown.abort(), 50);
    await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
    expect(writes).toEqual([]);
  });
});
