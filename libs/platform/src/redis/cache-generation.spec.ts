import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { GenerationCache, GenerationReader, moveGenerationOn } from './cache-generation';

describe('moveGenerationOn', () => {
  it('moves the key on, and logs (never throws) when Redis refuses: the change is saved all the same', async () => {
    const incr = jest.fn().mockResolvedValueOnce(1).mockRejectedValueOnce(new Error('connection refused'));
    const warn = jest.fn();
    const redis = { incr } as unknown as Redis;
    const logger = { warn } as unknown as Logger;
    await moveGenerationOn(redis, 'fb:flowbridge:flows-generation:w1', logger);
    expect(warn).not.toHaveBeenCalled();
    await expect(
      moveGenerationOn(redis, 'fb:flowbridge:flows-generation:w1', logger, { flowId: 'f1' }),
    ).resolves.toBe(undefined);
    expect(incr.mock.calls).toEqual([
      ['fb:flowbridge:flows-generation:w1'],
      ['fb:flowbridge:flows-generation:w1'],
    ]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({
        key: 'fb:flowbridge:flows-generation:w1',
        flowId: 'f1',
        err: expect.any(Error),
      }),
      'cache generation not moved on; readers catch up on expiry',
    );
  });
});

describe('GenerationCache', () => {
  const loader = () => {
    let n = 0;
    return jest.fn(async () => ({ ok: true, n: ++n }));
  };

  it('keeps a value while its generation holds; a new generation loads again', async () => {
    const cache = new GenerationCache<{ ok: boolean; n: number }>({ max: 10, ttlMs: 60_000 });
    const load = loader();
    expect(await cache.get('a', '1', load)).toEqual({ ok: true, n: 1 });
    expect(await cache.get('a', '1', load)).toEqual({ ok: true, n: 1 });
    expect(await cache.get('a', '2', load)).toEqual({ ok: true, n: 2 });
    expect(await cache.get('a', null, load)).toEqual({ ok: true, n: 3 });
    expect(await cache.get('a', null, load)).toEqual({ ok: true, n: 3 });
    expect(load).toHaveBeenCalledTimes(3);
  });

  it('shares a load in flight between callers', async () => {
    const cache = new GenerationCache<number>({ max: 10, ttlMs: 60_000 });
    let answer!: (n: number) => void;
    const load = jest.fn(() => new Promise<number>((resolve) => (answer = resolve)));
    const both = Promise.all([cache.get('a', '1', load), cache.get('a', '1', load)]);
    answer(7);
    expect(await both).toEqual([7, 7]);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('keeps nothing when the generation is unknown, nothing that failed and nothing `keep` refuses', async () => {
    const cache = new GenerationCache<{ ok: boolean; n: number }>({
      max: 10,
      ttlMs: 60_000,
      keep: (v) => v.ok,
    });
    const load = loader();
    await cache.get('a', undefined, load);
    await cache.get('a', undefined, load);
    expect(load).toHaveBeenCalledTimes(2);

    const failing = jest
      .fn()
      .mockRejectedValueOnce(new Error('timeout'))
      .mockResolvedValue({ ok: true, n: 9 });
    await expect(cache.get('b', '1', failing)).rejects.toThrow('timeout');
    expect(await cache.get('b', '1', failing)).toEqual({ ok: true, n: 9 });

    const refused = jest
      .fn()
      .mockResolvedValueOnce({ ok: false, n: 0 })
      .mockResolvedValue({ ok: true, n: 1 });
    expect(await cache.get('c', '1', refused)).toEqual({ ok: false, n: 0 });
    await new Promise((r) => setImmediate(r));
    expect(await cache.get('c', '1', refused)).toEqual({ ok: true, n: 1 });
    expect(await cache.get('c', '1', refused)).toEqual({ ok: true, n: 1 });
    expect(refused).toHaveBeenCalledTimes(2);
  });

  it('loads again past its TTL, and keeps at most `max` keys (the oldest goes)', async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const cache = new GenerationCache<{ ok: boolean; n: number }>({ max: 2, ttlMs: 1000 });
      const load = loader();
      await cache.get('a', '1', load);
      jest.setSystemTime(999);
      await cache.get('a', '1', load);
      expect(load).toHaveBeenCalledTimes(1);
      jest.setSystemTime(1000);
      await cache.get('a', '1', load);
      expect(load).toHaveBeenCalledTimes(2);

      const other = loader();
      await cache.get('b', '1', other);
      await cache.get('c', '1', other); // 'a' is the oldest: it goes
      await cache.get('b', '1', other);
      await cache.get('c', '1', other);
      expect(other).toHaveBeenCalledTimes(2);
      await cache.get('a', '1', load);
      expect(load).toHaveBeenCalledTimes(3);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('GenerationReader', () => {
  it('reads a key at most once per interval, shared by the callers in between; a refusal is undefined meanwhile', async () => {
    jest.useFakeTimers({ now: 0, doNotFake: ['setImmediate', 'nextTick'] });
    try {
      const get = jest
        .fn()
        .mockResolvedValueOnce('3')
        .mockResolvedValueOnce(null)
        .mockRejectedValueOnce(new Error('connection refused'))
        .mockResolvedValue('4');
      const reader = new GenerationReader({ get } as unknown as Redis, 1000);
      expect(await Promise.all([reader.read('g:w1'), reader.read('g:w1')])).toEqual(['3', '3']);
      expect(await reader.read('g:w2')).toBeNull();
      jest.setSystemTime(999);
      expect(await reader.read('g:w1')).toBe('3');
      expect(get).toHaveBeenCalledTimes(2);
      jest.setSystemTime(1000);
      expect(await reader.read('g:w1')).toBeUndefined();
      expect(await reader.read('g:w1')).toBeUndefined();
      jest.setSystemTime(2000);
      expect(await reader.read('g:w1')).toBe('4');
      expect(get.mock.calls).toEqual([['g:w1'], ['g:w2'], ['g:w1'], ['g:w1']]);
    } finally {
      jest.useRealTimers();
    }
  });
});
