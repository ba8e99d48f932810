import perfHooks from 'node:perf_hooks';
import { EVENT_LOOP_LAG_RESOLUTION_MS } from '@flowbridge/platform';
import { type ConnectionsHarness, startConnections } from './connections-app';

/**
 * Every service's process metrics, and what they cost at rest: the event loop's delay is sampled every
 * EVENT_LOOP_LAG_RESOLUTION_MS, not prom-client's 10 ms (100 wake-ups a second in every idle process).
 */
describe('process metrics', () => {
  const monitor = jest.spyOn(perfHooks, 'monitorEventLoopDelay');
  let svc: ConnectionsHarness;

  beforeAll(async () => {
    svc = await startConnections('metrics');
  });

  afterAll(async () => {
    monitor.mockRestore();
    await svc?.close();
  });

  it('samples the event loop delay every 100 ms and still reports it', async () => {
    expect(EVENT_LOOP_LAG_RESOLUTION_MS).toBe(100);
    expect(monitor).toHaveBeenCalledTimes(1);
    expect(monitor).toHaveBeenCalledWith({ resolution: EVENT_LOOP_LAG_RESOLUTION_MS });

    await new Promise((resolve) => setTimeout(resolve, 3 * EVENT_LOOP_LAG_RESOLUTION_MS));
    const res = await svc.call('get', '/metrics', undefined, null);
    expect(res.status).toBe(200);
    const max = /^nodejs_eventloop_lag_max_seconds\{[^}]*\} (\S+)$/m.exec(res.text);
    expect(max).not.toBeNull();
    // Sampled: the loop was seen at least once, late by some positive amount.
    expect(Number(max![1])).toBeGreaterThan(0);
  });
});
