import type { ApiResponse, CallLogEntry, JsonValue, OutboundErrorCode } from '@flowbridge/contracts';
import { ApiResponseView, CallLogEntryView, JsonSchemas, OutboundErrorView } from '@flowbridge/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';

export class TestApiDto {
  @ApiPropertyOptional({
    ...JsonSchemas.object,
    description: 'Sample run variables the templates read',
    example: { order_id: 'A-1001' },
  })
  @IsOptional()
  @IsObject()
  variables?: Record<string, unknown>;
}

/** "Test API Before Deployment": what a running flow would get, and every attempt made. */
export class ApiTestResult {
  @ApiProperty({ type: ApiResponseView })
  api_response!: ApiResponse;

  @ApiProperty({
    ...JsonSchemas.object,
    description: '`responseMapping` applied: the run variables it would set',
  })
  variables!: Record<string, JsonValue>;

  @ApiProperty({ type: [CallLogEntryView] })
  attempts!: CallLogEntry[];
}

export const PROBE_VERDICTS = [
  'reachable',
  'auth_failed',
  'server_error',
  'unreachable',
  'dns_failed',
  'blocked',
] as const;
export type ProbeVerdict = (typeof PROBE_VERDICTS)[number];

class DnsStepView {
  @ApiProperty()
  ok!: boolean;

  @ApiProperty({ type: [String] })
  addresses!: string[];

  @ApiProperty({ required: false })
  error?: string;
}

class TlsStepView {
  @ApiProperty()
  ok!: boolean;

  @ApiProperty({ required: false })
  error?: string;
}

class HttpStepView {
  @ApiProperty()
  statusCode!: number;

  @ApiProperty()
  latencyMs!: number;
}

/** Reachability of a connection's base URL, step by step, with one verdict for a human. */
export class ConnectionTestResult {
  @ApiProperty({ enum: PROBE_VERDICTS })
  verdict!: ProbeVerdict;

  @ApiProperty({ description: 'The verdict in words' })
  message!: string;

  @ApiProperty()
  url!: string;

  @ApiProperty({ type: DnsStepView, nullable: true })
  dns!: { ok: boolean; addresses: string[]; error?: string } | null;

  @ApiProperty({ type: TlsStepView, nullable: true, description: 'Null for plain HTTP' })
  tls!: { ok: boolean; error?: string } | null;

  @ApiProperty({ type: HttpStepView, nullable: true })
  http!: { statusCode: number; latencyMs: number } | null;

  @ApiProperty({ type: OutboundErrorView, nullable: true })
  error!: { code: OutboundErrorCode; message: string } | null;
}
