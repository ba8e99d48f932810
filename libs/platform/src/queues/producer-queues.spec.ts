import { randomUUID } from 'node:crypto';
import { testRedisUrl, until } from '@flowbridge/testing';
import { Worker } from 'bullmq';
import { redisOptionsFromUrl } from '../redis';
import { ProducerQueues } from './producer-queues';

describe('ProducerQueues.addInOrder (real Redis)', () => {
  const prefix = `fbtest-${randomUUID().slice(0, 8)}`;
  let queues: ProducerQueues;

  beforeAll(async () => {
    queues = new ProducerQueues(testRedisUrl(), prefix, 'producer-queues-spec');
    await queues.ready(5000);
  });
  afterAll(async () => {
    for (const name of ['one', 'many', 'none']) await queues.get(name).obliterate({ force: true });
    await queues.close();
  });

  const job = (id: string, delay = 0) => ({
    name: 'step',
    data: { id },
    opts: { jobId: id, delay, attempts: 3 },
  });

  it('adds one job with its id and options; the same id again is the same job', async () => {
    await queues.addInOrder('one', [job('a-1', 60_000)]);
    await queues.addInOrder('one', [job('a-1', 60_000)]);
    const queue = queues.get('one');
    const added = await queue.getJob('a-1');
    expect(added?.data).toEqual({ id: 'a-1' });
    expect(added?.opts).toMatchObject({ delay: 60_000, attempts: 3 });
    expect(await queue.getJobCounts('delayed', 'waiting')).toEqual({ delayed: 1, waiting: 0 });
  });

  it('adds several jobs in the order given, and nothing for none', async () => {
    await queues.addInOrder('many', [job('b-1'), job('b-2'), job('b-3')]);
    await queues.addInOrder('none', []);
    // Taken by a consumer in the order given.
    const taken: string[] = [];
    const consumer = new Worker(
      'many',
      async (j) => {
        taken.push(j.id as string);
      },
      { prefix, connection: redisOptionsFromUrl(testRedisUrl()), concurrency: 1 },
    );
    await until('the three jobs taken', async () => taken.length === 3);
    await consumer.close();
    expect(taken).toEqual(['b-1', 'b-2', 'b-3']);
    expect(await queues.get('none').count()).toBe(0);
  });
});
