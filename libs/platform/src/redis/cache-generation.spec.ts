import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { moveGenerationOn } from './cache-generation';

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
