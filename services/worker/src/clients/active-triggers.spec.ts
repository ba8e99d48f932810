import type { ActiveFlowTriggers } from '@flowbridge/contracts';
import type { Redis } from 'ioredis';
import type { WorkerConfig } from '../worker.config';
import { ActiveTriggers } from './active-triggers';
import type { RpcClients } from './rpc.clients';

const flows: ActiveFlowTriggers[] = [
  {
    flowId: 'f1',
    version: 3,
    triggers: [{ type: 'keyword', keywords: ['order'], match: 'exact' }],
    activatedAt: '2026-12-01T00:00:00Z',
  },
];

function make(get: () => Promise<string | null>) {
  const rpc = { activeTriggers: jest.fn(async () => flows) };
  const redis = { get: jest.fn(get) };
  const triggers = new ActiveTriggers(
    rpc as unknown as RpcClients,
    { QUEUE_PREFIX: 'fb' } as WorkerConfig,
    redis as unknown as Redis,
  );
  return { triggers, rpc, redis };
}

const order = { kind: 'text', text: 'Order' } as const;

describe('ActiveTriggers', () => {
  it('matches from the cache while the generation holds, and reads again once it moves on', async () => {
    let generation = '7';
    const { triggers, rpc, redis } = make(async () => generation);
    expect(await triggers.forWorkspace('ws').match('ch', order)).toEqual({
      flowId: 'f1',
      version: 3,
      trigger: 'keyword_exact',
    });
    expect(await triggers.forWorkspace('ws').match('ch', { kind: 'text', text: 'hello' })).toBeNull();
    expect(rpc.activeTriggers).toHaveBeenCalledTimes(1);
    expect(redis.get).toHaveBeenCalledWith('fb:flowbridge:flows-generation:ws');
    generation = '8';
    await triggers.forWorkspace('ws').match('ch', order);
    expect(rpc.activeTriggers).toHaveBeenCalledTimes(2);
    await triggers.forWorkspace('ws').match('other-channel', order);
    expect(rpc.activeTriggers).toHaveBeenCalledTimes(3);
  });

  it('still matches when Redis refuses the generation read (asks flow-definition, caches nothing)', async () => {
    const { triggers, rpc } = make(async () => {
      throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
    });
    expect(await triggers.forWorkspace('ws').match('ch', order)).toEqual({
      flowId: 'f1',
      version: 3,
      trigger: 'keyword_exact',
    });
    await triggers.forWorkspace('ws').match('ch', order);
    expect(rpc.activeTriggers).toHaveBeenCalledTimes(2);
  });

  it('reads the generation once per batch matcher, and not at all when nothing is matched', async () => {
    const { triggers, rpc, redis } = make(async () => '1');
    const unused = triggers.forWorkspace('ws');
    expect(unused).toBeDefined();
    expect(redis.get).not.toHaveBeenCalled();
    const matcher = triggers.forWorkspace('ws');
    for (const text of ['order', 'Order', 'nope']) await matcher.match('ch', { kind: 'text', text });
    expect(redis.get).toHaveBeenCalledTimes(1);
    expect(rpc.activeTriggers).toHaveBeenCalledTimes(1);
  });
});
