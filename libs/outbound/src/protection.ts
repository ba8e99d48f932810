import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { type RateSlot, RedisRateLimiter } from '@flowbridge/platform';
import type { Redis } from 'ioredis';
import { Counter, Gauge, register } from 'prom-client';
import { sharedState } from './errors';

/**
 * A per-connection request rate shared by every process through Redis: requests spaced 1/rate apart, so the
 * business API never sees more than its limit in any second.
 */
export class RateLimiter {
  private readonly limiter: RedisRateLimiter;

  constructor(redis: Redis, prefix = 'fb:ratelimit:') {
    this.limiter = new RedisRateLimiter(redis, prefix);
  }

  /** The connection's next slot if it is at most `longestWaitMs` away (taken), else how far it is (not taken). */
  acquire(connectionId: string, perSecond: number, longestWaitMs: number): Promise<RateSlot> {
    return sharedState(() => this.limiter.reserve(connectionId, perSecond, longestWaitMs));
  }
}

export interface BreakerOptions {
  /** Consecutive failures (network errors, timeouts, 5xx) that open the circuit. */
  threshold: number;
  /** How long it stays open before one trial call is let through. */
  coolDownMs: number;
}

/** Thrown (by `run`) instead of calling when the circuit of a connection is open. */
export class CircuitOpenError extends Error {
  constructor(readonly coolDownMs: number) {
    super('the circuit is open after repeated failures; no call was made');
  }
}

/**
 * One circuit breaker per connection and process (a changed connection starts closed). Each process
 * learns on its own: with N workers a dead API costs at most N × threshold calls before all stop.
 */
export class CircuitBreakers {
  private readonly breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(
    private readonly options: BreakerOptions,
    private readonly max = 10_000,
  ) {
    LIVE.add(new WeakRef(this));
  }

  /** How many of its circuits are open now (failing fast). */
  openCount(): number {
    let open = 0;
    for (const policy of this.breakers.values()) if (policy.state === CircuitState.Open) open += 1;
    return open;
  }

  /** Runs `call`; `isFailure` says which outcomes count against the circuit. */
  async run<T>(key: string, call: () => Promise<T>, isFailure: (outcome: T) => boolean): Promise<T> {
    const policy = this.policy(key);
    let outcome: { value: T } | undefined;
    try {
      await policy.execute(async () => {
        outcome = { value: await call() };
        if (isFailure(outcome.value)) throw FAILED;
      });
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new CircuitOpenError(this.options.coolDownMs);
      if (error !== FAILED) throw error;
    }
    return (outcome as { value: T }).value;
  }

  private policy(key: string): CircuitBreakerPolicy {
    let policy = this.breakers.get(key);
    if (policy) return policy;
    if (this.breakers.size >= this.max) this.breakers.delete(this.breakers.keys().next().value as string);
    policy = circuitBreaker(
      handleWhen((error) => error === FAILED),
      { halfOpenAfter: this.options.coolDownMs, breaker: new ConsecutiveBreaker(this.options.threshold) },
    );
    policy.onBreak(() => circuitMetrics().opened.inc());
    this.breakers.set(key, policy);
    return policy;
  }
}

/** The process's breakers, for the gauge (each engine has its own; one no longer used is let go). */
const LIVE = new Set<WeakRef<CircuitBreakers>>();

/**
 * `flowbridge_circuits_open` (a gauge read at scrape: connections failing fast in this process right now) and
 * `flowbridge_circuit_opened_total` (every time one opened). No connection label: an alert says "some API is
 * down" and the run's call log says which, without one series per tenant's connection.
 */
function circuitMetrics(): { opened: Counter } {
  const existing = register.getSingleMetric('flowbridge_circuit_opened_total') as Counter | undefined;
  if (existing) return { opened: existing };
  new Gauge({
    name: 'flowbridge_circuits_open',
    help: 'Business API connections whose circuit is open in this process (calls fail fast with CIRCUIT_OPEN)',
    collect() {
      let open = 0;
      for (const ref of LIVE) {
        const breakers = ref.deref();
        if (breakers) open += breakers.openCount();
        else LIVE.delete(ref);
      }
      this.set(open);
    },
  });
  return {
    opened: new Counter({
      name: 'flowbridge_circuit_opened_total',
      help: 'Times a connection circuit opened after consecutive failures (network, timeout, 5xx)',
    }),
  };
}
circuitMetrics();

const FAILED = new Error('counted as a failure by the circuit breaker');
