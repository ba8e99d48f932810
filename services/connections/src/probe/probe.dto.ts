import type { ApiResponse, CallLogEntry, JsonValue, OutboundErrorCode } from '@flowbridge/contracts';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';

export class TestApiDto {
  @ApiPropertyOptional({
    description: 'Sample run variables the templates read',
    example: { order_id: 'A-1001' },
  })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;
}

/** "Test API Before Deployment": what a running flow would get, and every attempt made. */
export interface ApiTestResult {
  api_response: ApiResponse;
  /** `responseMapping` applied. */
  variables: Record<string, JsonValue>;
  attempts: CallLogEntry[];
}

export type ProbeVerdict =
  'reachable' | 'auth_failed' | 'server_error' | 'unreachable' | 'dns_failed' | 'blocked';

/** Reachability of a connection's base URL, step by step, with one verdict for a human. */
export interface ConnectionTestResult {
  verdict: ProbeVerdict;
  message: string;
  url: string;
  dns: { ok: boolean; addresses: string[]; error?: string } | null;
  tls: { ok: boolean; error?: string } | null;
  http: { statusCode: number; latencyMs: number } | null;
  error: { code: OutboundErrorCode; message: string } | null;
}
