import { AUTH_TYPES, type AuthType, type RetryPolicy } from '@flowbridge/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { maskSecret } from '@flowbridge/platform';
import type { ConnectionEntity, SealedMap } from './connection.entity';

export class RetryView implements RetryPolicy {
  @ApiProperty({ description: 'Retries after the first attempt' })
  attempts!: number;

  @ApiProperty({ enum: ['exponential', 'fixed'] })
  backoff!: 'exponential' | 'fixed';

  @ApiProperty()
  delayMs!: number;

  @ApiProperty()
  maxDelayMs!: number;
}

export class ConnectionView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Customer API' })
  title!: string;

  @ApiProperty({ example: 'https://api.example.com/v1' })
  baseUrl!: string;

  @ApiProperty({
    description:
      'Its `type` and settings; secrets are shown masked (the last characters at most), never in clear',
    example: { type: 'bearer', token: '••••••en' },
    type: 'object',
    required: ['type'],
    properties: { type: { type: 'string', enum: [...AUTH_TYPES] } },
    additionalProperties: { type: 'string', nullable: true },
  })
  auth!: { type: AuthType } & Record<string, string | null>;

  @ApiProperty({
    description: 'Default headers; secret ones masked',
    type: 'object',
    additionalProperties: { type: 'string' },
  })
  headers!: Record<string, string>;

  @ApiProperty()
  timeoutMs!: number;

  @ApiProperty({ type: RetryView })
  retry!: RetryPolicy;

  @ApiProperty({ type: Number, nullable: true, description: 'Requests per second; null for no limit' })
  rateLimit!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ description: 'Bumped by every change' })
  version!: number;
}

/** Plain headers as they are, secret ones masked. */
export function headersView(plain: Record<string, string>, secret: SealedMap): Record<string, string> {
  const out: Record<string, string> = { ...plain };
  for (const [name, sealed] of Object.entries(secret)) out[name] = maskSecret(sealed) ?? '';
  return out;
}

export function connectionView(entity: ConnectionEntity): ConnectionView {
  const auth: ConnectionView['auth'] = { type: entity.authType };
  for (const [key, value] of Object.entries(entity.authSettings) as Array<[string, string | undefined]>) {
    if (value !== undefined) auth[key] = value;
  }
  for (const [key, sealed] of Object.entries(entity.authSecrets)) auth[key] = maskSecret(sealed);
  return {
    id: entity.id,
    title: entity.title,
    baseUrl: entity.baseUrl,
    auth,
    headers: headersView(entity.headers, entity.secretHeaders),
    timeoutMs: entity.timeoutMs,
    retry: entity.retry,
    rateLimit: entity.rateLimit,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    version: entity.version,
  };
}
