import type { WorkerConfig } from '../worker.config';
import { CallSlots } from './call-slots';

describe('CallSlots: the API calls one worker makes at once', () => {
  const slots = (n: number) => new CallSlots({ WORKER_CONCURRENCY: n } as WorkerConfig);

  it('runs at most WORKER_CONCURRENCY calls at once; the rest wait their turn, in order', async () => {
    const s = slots(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const gates: Array<() => void> = [];
    const calls = [0, 1, 2, 3, 4].map((i) =>
      s.run(async () => {
        running++;
        peak = Math.max(peak, running);
        order.push(i);
        await new Promise<void>((r) => gates.push(r));
        running--;
        return i;
      }),
    );
    for (let released = 0; released < 5; released++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    expect(await Promise.all(calls)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('promises slots to first attempts only while free ones remain, counting the calls running', async () => {
    const s = slots(2);
    let release!: () => void;
    const running = s.run(() => new Promise<void>((r) => (release = r)));
    expect(s.promise()).toBe(true);
    expect(s.promise()).toBe(false); // one running, one promised
    s.unpromise(1);
    expect(s.promise()).toBe(true);
    release();
    await running;
    expect(s.promise()).toBe(true);
    expect(s.promise()).toBe(false);
  });

  it('frees the slot of a call that throws', async () => {
    const s = slots(1);
    await expect(s.run(() => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
    expect(await s.run(async () => 'next')).toBe('next');
  });
});
