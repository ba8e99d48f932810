import {
  BrokenCircuitError,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import type { Redis } from 'ioredis';
import { Counter, Gauge, register } from 'prom-client';
import { sharedState } from './errors';

/**
 * GCRA in one Lua call, on Redis' clock (so processes with skewed clocks agree): allows `rate` requests
 * per second with a burst of one second's worth, and answers how long to wait when over.
 * KEYS[1] = key; ARGV[1] = emission interval (µs); ARGV[2] = burst tolerance (µs).
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local allow_at = tat + interval - tolerance
if now < allow_at then return math.ceil((allow_at - now) / 1000) end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return 0`;

/** A per-connection request rate shared by every process through Redis. */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'fb:ratelimit:',
  ) {}

  /** 0 when a request may go now (and it is counted), else the milliseconds to wait. */
  async acquire(connectionId: string, perSecond: number): Promise<number> {
    const interval = Math.max(1, Math.round(1_000_000 / perSecond));
    const tolerance = Math.max(interval, 1_000_000);
    const wait = await sharedState(() =>
      this.redis.eval(GCRA, 1, `${this.prefix}${connectionId}`, interval, tolerance),
    );
    return Number(wait);
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
