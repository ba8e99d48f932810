import {
  HTTP_METHODS,
  type HttpMethod,
  type JsonValue,
  type RetryPolicy,
  type SuccessWhen,
} from '@flowbridge/contracts';
import { JsonSchemas } from '@flowbridge/platform';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { headersView, RetryView } from '../connections/connection.view';
import type { ApiEntity } from './api.entity';

export class SuccessWhenView implements SuccessWhen {
  @ApiProperty({
    description: 'Status codes (200) or ranges ("2xx", "200-299") that count as success',
    type: 'array',
    items: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
    example: ['2xx'],
  })
  status!: Array<number | string>;

  @ApiPropertyOptional({
    description: 'A condition on the body too',
    type: 'object',
    required: ['path', 'operator'],
    properties: {
      path: { type: 'string', example: 'data.ok' },
      operator: { type: 'string', enum: ['is', 'is_not', 'exists', 'not_exists'] },
      value: { type: 'string' },
    },
  })
  body?: SuccessWhen['body'];
}

export class ApiView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'Fetch API Data' })
  name!: string;

  @ApiProperty({ format: 'uuid' })
  connectionId!: string;

  @ApiProperty({ enum: HTTP_METHODS })
  method!: HttpMethod;

  @ApiProperty({ example: '/orders/{{order_id}}' })
  path!: string;

  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } })
  query!: Record<string, string>;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    description: 'Secret ones masked',
  })
  headers!: Record<string, string>;

  @ApiProperty({
    ...JsonSchemas.any,
    description: 'JSON body template',
    nullable: true,
    example: { orderId: '{{order_id}}' },
  })
  body!: JsonValue | null;

  @ApiProperty({ type: SuccessWhenView })
  successWhen!: SuccessWhen;

  @ApiProperty({
    description: 'Run variable ← path in the response',
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { order_status: 'data.status' },
  })
  responseMapping!: Record<string, string>;

  @ApiProperty({ type: Boolean, nullable: true })
  idempotencyKey!: boolean | null;

  @ApiProperty({ type: Number, nullable: true, description: "Null: the connection's" })
  timeoutMs!: number | null;

  @ApiProperty({ type: RetryView, nullable: true, description: "Null: the connection's" })
  retry!: RetryPolicy | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty()
  version!: number;
}

export function apiView(entity: ApiEntity): ApiView {
  return {
    id: entity.id,
    name: entity.name,
    connectionId: entity.connectionId,
    method: entity.method,
    path: entity.path,
    query: entity.query,
    headers: headersView(entity.headers, entity.secretHeaders),
    body: (entity.body ?? null) as JsonValue | null,
    successWhen: entity.successWhen,
    responseMapping: entity.responseMapping,
    idempotencyKey: entity.idempotencyKey,
    timeoutMs: entity.timeoutMs,
    retry: entity.retry,
    createdAt: entity.createdAt.toISOString(),
    updatedAt: entity.updatedAt.toISOString(),
    version: entity.version,
  };
}
