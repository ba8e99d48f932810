import { type ConnectionsResolveResponse, RpcPattern } from '@flowbridge/contracts';
import type { ClientProxy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { defer, of } from 'rxjs';
import type { WorkerConfig } from '../worker.config';
import { RpcClients } from './rpc.clients';

const found = (path: string) =>
  ({ ok: true, api: { path }, connection: { id: 'c1' } }) as unknown as ConnectionsResolveResponse;

/** RpcClients over a fake transport (each connections.resolve answered by `answer`) and a fake Redis. */
function clients(answer: () => Promise<ConnectionsResolveResponse>) {
  const redis = { generation: '1' as string | null, down: false, gets: 0 };
  const resolves: unknown[] = [];
  const client = {
    send: (pattern: string, payload: unknown) => {
      if (pattern !== RpcPattern.ConnectionsResolve) return of(null);
      return defer(() => (resolves.push(payload), answer()));
    },
  } as unknown as ClientProxy;
  const fakeRedis = {
    get: async () => {
      redis.gets++;
      if (redis.down) throw new Error('connection refused');
      return redis.generation;
    },
  } as unknown as Redis;
  const config = { QUEUE_PREFIX: 'fb', WORKER_RPC_TIMEOUT_MS: 1000 } as WorkerConfig;
  return { rpc: new RpcClients(client, config, fakeRedis), redis, resolves };
}

describe('RpcClients.resolveApi', () => {
  let now = 1_000_000;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('resolves an API once for the calls made meanwhile and after, while the generation holds', async () => {
    const { rpc, resolves, redis } = clients(async () => found('/v1'));
    const answers = await Promise.all(Array.from({ length: 20 }, () => rpc.resolveApi('w1', 'a1')));
    expect(answers.every((a) => a.ok && a.api.path === '/v1')).toBe(true);
    now += 5_000;
    await rpc.resolveApi('w1', 'a1');
    expect(resolves).toEqual([{ workspaceId: 'w1', apiId: 'a1' }]);
    // The generation is read at most once a second, not per call.
    expect(redis.gets).toBe(2);
  });

  it('resolves again once the workspace generation moves on (within a second), or past the TTL', async () => {
    let path = '/v1';
    const { rpc, resolves, redis } = clients(async () => found(path));
    expect(await rpc.resolveApi('w1', 'a1')).toMatchObject({ api: { path: '/v1' } });
    path = '/v2';
    redis.generation = '2';
    expect(await rpc.resolveApi('w1', 'a1')).toMatchObject({ api: { path: '/v1' } }); // read under 1 s ago
    now += 1_000;
    expect(await rpc.resolveApi('w1', 'a1')).toMatchObject({ api: { path: '/v2' } });
    expect(resolves).toHaveLength(2);
    // Nothing signalled (a Redis that lost the key): asked again past 30 s all the same.
    path = '/v3';
    now += 29_999;
    expect(await rpc.resolveApi('w1', 'a1')).toMatchObject({ api: { path: '/v2' } });
    now += 1;
    expect(await rpc.resolveApi('w1', 'a1')).toMatchObject({ api: { path: '/v3' } });
    // Another workspace's API is its own entry, under its own generation.
    await rpc.resolveApi('w2', 'a1');
    expect(resolves).toHaveLength(4);
  });

  it('keeps neither a refusal nor a failure, and nothing while Redis cannot say what changed', async () => {
    const answers: Array<() => Promise<ConnectionsResolveResponse>> = [
      async () => ({ ok: false, code: 'API_NOT_FOUND', message: 'No API' }),
      async () => Promise.reject(new Error('no answer')),
      async () => found('/v1'),
      async () => found('/v1'),
      async () => found('/v1'),
    ];
    const { rpc, resolves, redis } = clients(() => answers[resolves.length - 1]());
    expect(await rpc.resolveApi('w1', 'a1')).toMatchObject({ ok: false });
    await expect(rpc.resolveApi('w1', 'a1')).rejects.toThrow('no answer');
    expect(await rpc.resolveApi('w1', 'a1')).toMatchObject({ ok: true });
    expect(resolves).toHaveLength(3);
    redis.down = true;
    now += 1_000;
    await rpc.resolveApi('w1', 'a1');
    await rpc.resolveApi('w1', 'a1');
    expect(resolves).toHaveLength(5);
  });
});
