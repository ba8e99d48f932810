import { PlatformConfig, Satisfies, ToInt, ToList } from '@flowbridge/platform';
import { IsArray, IsInt, Max, Min } from 'class-validator';
import { parseAllowList } from './allow-list';

/** Settings of every service that calls business APIs (connections for "test", the worker for runs). */
export class OutboundConfig extends PlatformConfig {
  /** Hosts that business APIs may reach over http or at private addresses (development and tests only). */
  @ToList()
  @IsArray()
  @Satisfies((value) => parseAllowList(value as string[]))
  OUTBOUND_ALLOW_HOSTS: string[] = [];

  /** A response body longer than this is cut and the call fails with RESPONSE_TOO_LARGE. */
  @ToInt()
  @IsInt()
  @Min(1024)
  @Max(64 * 1024 * 1024)
  OUTBOUND_MAX_RESPONSE_BYTES = 1024 * 1024;

  /** A step's budget across its attempts and waits. */
  @ToInt()
  @IsInt()
  @Min(1_000)
  @Max(24 * 3600 * 1000)
  OUTBOUND_DEADLINE_MS = 120_000;

  /** Consecutive failures (network, timeout, 5xx) that open a connection's circuit in one process. */
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1_000)
  OUTBOUND_BREAKER_THRESHOLD = 10;

  /** How long an open circuit fails fast before one trial call. */
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  OUTBOUND_BREAKER_COOLDOWN_MS = 30_000;
}
