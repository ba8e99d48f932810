import { register } from 'prom-client';
import { CircuitBreakers, CircuitOpenError } from './protection';

const value = async (name: string): Promise<number> =>
  (await register.getSingleMetric(name)!.get()).values.reduce((sum, v) => sum + v.value, 0);

describe('circuit breakers', () => {
  it('[issue 20] open after consecutive failures, fail fast, and show in flowbridge_circuits_open / _opened_total', async () => {
    const breakers = new CircuitBreakers({ threshold: 2, coolDownMs: 60_000 });
    const openedBefore = await value('flowbridge_circuit_opened_total');
    const openBefore = await value('flowbridge_circuits_open');
    const failing = () =>
      breakers.run(
        'conn-a',
        async () => 503,
        (status) => status >= 500,
      );
    expect(await failing()).toBe(503);
    expect(await failing()).toBe(503);
    await expect(failing()).rejects.toBeInstanceOf(CircuitOpenError);
    // Another connection's circuit is its own.
    expect(
      await breakers.run(
        'conn-b',
        async () => 200,
        (status) => status >= 500,
      ),
    ).toBe(200);
    expect(breakers.openCount()).toBe(1);
    expect(await value('flowbridge_circuit_opened_total')).toBe(openedBefore + 1);
    expect(await value('flowbridge_circuits_open')).toBe(openBefore + 1);
  });
});
