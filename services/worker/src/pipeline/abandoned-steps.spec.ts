import { apiStepFixture } from '@flowbridge/testing';
import { DelayedError } from 'bullmq';
import type { DataSource } from 'typeorm';
import type { RpcClients } from '../clients/rpc.clients';
import type { WorkerConfig } from '../worker.config';
import { AbandonedSteps, type WaitingJob } from './abandoned-steps';
import type { ContactWrite } from './batch-applier';
import type { ContactDrainer } from './contact-drainer';

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

/**
 * The step's API call job as the worker holds it: its progress, and what it asks of BullMQ. `moved` records the
 * delays, as the delayed set would.
 */
function job(progress: unknown = 0) {
  const moved: number[] = [];
  const held = {
    id: 'api-run-1-1',
    progress,
    updateProgress: jest.fn(async (value: unknown) => void (held.progress = value)),
    moveToDelayed: jest.fn(async (timestamp: number) => void moved.push(timestamp)),
  };
  return { held: held as unknown as WaitingJob & { progress: unknown }, moved };
}

/** One look of the worker at the step: what it came to, or the delay it asked for (DelayedError). */
async function look(steps: AbandonedSteps, held: WaitingJob) {
  try {
    return await steps.unlessAnswered(call, held, 'lock-token');
  } catch (error) {
    if (error instanceof DelayedError) return 'delayed';
    throw error;
  }
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

  it('a step whose processes stopped twice waits in the delayed set for as long as an attempt can take, then takes its failure screen', async () => {
    const { db } = database(() => ({ run: true }));
    const { steps, writes } = setUp(db);
    const { held, moved } = job();
    const began = Date.now();
    expect(await look(steps, held)).toBe('delayed');
    // The API's timeout (200 ms) and the lock (300 ms): the job comes back then, and the moment is kept.
    expect(moved).toHaveLength(1);
    expect(moved[0] - began).toBeGreaterThanOrEqual(500);
    expect(moved[0] - Date.now()).toBeLessThanOrEqual(500);
    expect(held.progress).toEqual({ abandonAfter: moved[0] });
    expect(writes).toEqual([]);

    // Taken again early (promoted by hand, say): back to the delayed set until the same moment.
    expect(await look(steps, held)).toBe('delayed');
    expect(moved).toEqual([moved[0], moved[0]]);
    expect(writes).toEqual([]);

    await new Promise((resolve) => setTimeout(resolve, Math.max(0, moved[0] - Date.now()) + 5));
    expect(await look(steps, held)).toBe('abandoned');
    expect(writes).toHaveLength(1);
    expect(writes[0].entry?.event).toMatchObject({ response: { error: { code: 'STEP_ABANDONED' } } });
  });

  it('is not abandoned when a process that only lost its lock records the answer meanwhile', async () => {
    // The run has moved on at the second read: the process cut off from Redis applied the API's answer.
    const { db, reads } = database((read) => ({ run: read < 2 }));
    const { steps, writes } = setUp(db);
    const { held } = job();
    expect(await look(steps, held)).toBe('delayed');
    held.progress = { abandonAfter: Date.now() - 1 }; // its grace is over when it is taken again
    expect(await look(steps, held)).toBe('answered');
    expect(reads()).toBe(2);
    expect(writes).toEqual([]);
  });

  it('applies an answer recorded but not yet applied, and does not abandon', async () => {
    const { db } = database(() => ({ run: true, recorded: true }));
    const { steps, writes, drainer } = setUp(db);
    const { held } = job({ abandonAfter: Date.now() - 1 });
    expect(await look(steps, held)).toBe('answered');
    expect(drainer.drain).toHaveBeenCalledWith(contact);
    expect(writes).toEqual([]);
  });

  it('without its lock token the job is not delayed, and nothing is abandoned', async () => {
    const { db } = database(() => ({ run: true }));
    const { steps, writes } = setUp(db);
    const { held, moved } = job();
    await expect(steps.unlessAnswered(call, held)).rejects.toThrow(/lock token/);
    expect(moved).toEqual([]);
    expect(writes).toEqual([]);
  });
});
