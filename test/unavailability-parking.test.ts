import { randomUUID } from 'node:crypto';
import { redisOptionsFromUrl, UnavailabilityParking } from '@flowbridge/platform';
import { testRedisUrl, until } from '@flowbridge/testing';
import { Queue, Worker } from 'bullmq';

// Issue 18: an outage longer than a job's retry budget must not fail the job for good. BullMQ and Redis are
// real; the dependency that is down is a function that throws Postgres' connection error until it is "back".
describe('UnavailabilityParking (real BullMQ on Redis)', () => {
  const prefix = `fb-park-${randomUUID().slice(0, 8)}`;
  const connection = { ...redisOptionsFromUrl(testRedisUrl()), maxRetriesPerRequest: null };
  const closers: Array<() => Promise<void>> = [];

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  async function queueWith(process: (job: { id?: string }, token?: string) => Promise<string>) {
    const name = `q-${randomUUID().slice(0, 8)}`;
    const queue = new Queue(name, { prefix, connection });
    const worker = new Worker(name, process as never, { prefix, connection });
    closers.push(
      () => worker.close(),
      () => queue.close(),
    );
    return queue;
  }

  const refused = () =>
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

  it('keeps a job through an outage longer than its attempts would last, then runs it once the dependency is back', async () => {
    let down = true;
    let runs = 0;
    const parking = new UnavailabilityParking(50);
    const queue = await queueWith((job, token) =>
      parking.run(job as never, token, async () => {
        runs += 1;
        if (down) throw refused();
        return 'applied';
      }),
    );
    // Two attempts 10 ms apart: without parking the job would be failed for good within ~20 ms.
    const job = await queue.add('event', {}, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await until('several tries during the outage', async () => runs >= 5);
    expect(await job.isFailed()).toBe(false);
    down = false;
    await until('the job completed', async () => (await queue.getJob(job.id!))?.isCompleted());
    const done = await queue.getJob(job.id!);
    expect(done?.returnvalue).toBe('applied');
    expect(done?.attemptsMade).toBeLessThanOrEqual(1);
    expect(parking.size).toBe(0);
  });

  it('leaves any other failure to the job’s own attempts', async () => {
    const parking = new UnavailabilityParking(50);
    let runs = 0;
    const queue = await queueWith((job, token) =>
      parking.run(job as never, token, async () => {
        runs += 1;
        throw new Error('a bug, not an outage');
      }),
    );
    const job = await queue.add('event', {}, { attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    await until('failed for good', async () => (await queue.getJob(job.id!))?.isFailed());
    expect(runs).toBe(2);
    expect((await queue.getJob(job.id!))?.failedReason).toBe('a bug, not an outage');
  });
});
