import { randomUUID } from 'node:crypto';
import { testRedisUrl, until } from '@flowbridge/testing';
import { Redis } from 'ioredis';
import { firstValueFrom } from 'rxjs';
import { TEST_INTERNAL_KEY } from '../crypto/internal-key';
import { redisOptionsFromUrl } from './redis-options';
import { NamespacedRedisClient, NamespacedRedisServer, RPC_RECONNECT } from './rpc-transport';

/** Two replicas of a service on the Redis transport (real Redis), each counting what its handlers ran. */
describe('the RPC transport with two replicas (real Redis)', () => {
  const namespace = `fbtest-rpc-${randomUUID().slice(0, 8)}`;
  const options = { ...redisOptionsFromUrl(testRedisUrl()), ...RPC_RECONNECT };
  const replicas = [0, 1].map(() => new NamespacedRedisServer(options, namespace, TEST_INTERNAL_KEY));
  /** Per replica: the request values it answered, and the events it heard. */
  const answered: number[][] = [[], []];
  const heard: string[][] = [[], []];
  const client = new NamespacedRedisClient({ ...options, namespace, internalKey: TEST_INTERNAL_KEY });

  beforeAll(async () => {
    for (const [i, replica] of replicas.entries()) {
      replica.addHandler('test.double', async (data: { n: number }) => {
        answered[i].push(data.n);
        // Long enough for every replica's copy of the request to arrive while the first is still at work.
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { doubled: data.n * 2 };
      });
      replica.addHandler(
        'test.changed',
        async (data: { what: string }) => void heard[i].push(data.what),
        true,
      );
      await new Promise<void>((resolve, reject) => {
        void replica.listen((err?: unknown) =>
          err ? reject(err instanceof Error ? err : new Error('the replica did not listen')) : resolve(),
        );
      });
    }
    await client.connect();
  });

  afterAll(async () => {
    await client.close();
    for (const replica of replicas) await replica.close();
    const redis = new Redis(testRedisUrl());
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });

  it('answers each request once, by one replica, with that replica’s answer', async () => {
    const values = Array.from({ length: 40 }, (_, n) => n);
    const replies = await Promise.all(
      values.map((n) => firstValueFrom(client.send<{ doubled: number }>('test.double', { n }))),
    );
    expect(replies).toEqual(values.map((n) => ({ doubled: n * 2 })));
    // Any second handling would have started within milliseconds of the first; give it time to show.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect([...answered[0], ...answered[1]].sort((a, b) => a - b)).toEqual(values);
  });

  it('still gives every replica each event (cache hints)', async () => {
    client.emit('test.changed', { what: 'connection 1' });
    await until('both replicas to hear the event', async () => heard[0].length > 0 && heard[1].length > 0);
    expect(heard).toEqual([['connection 1'], ['connection 1']]);
  });
});
