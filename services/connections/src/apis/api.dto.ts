import { HTTP_METHODS, type HttpMethod, type JsonValue } from '@flowbridge/contracts';
import { JsonSchemas } from '@flowbridge/platform';
import { SuccessWhenView } from './api.view';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  Allow,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { ListQueryDto, RetryDto } from '../connections/connection.dto';

export class CreateApiDto {
  @ApiProperty({ example: 'Fetch API Data', maxLength: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1, { message: 'name must not be empty' })
  @MaxLength(100)
  name!: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'connectionId must be the id of a connection' })
  connectionId!: string;

  @ApiPropertyOptional({ enum: HTTP_METHODS, default: 'GET' })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @IsIn(HTTP_METHODS)
  method?: HttpMethod;

  @ApiPropertyOptional({
    example: '/orders/{{order_id}}',
    description: 'Relative to the connection base URL',
  })
  @IsOptional()
  @IsString()
  path?: string;

  @ApiPropertyOptional({ ...JsonSchemas.object, example: { include: 'items' } })
  @IsOptional()
  @IsObject()
  query?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...JsonSchemas.headers,
    description: "Like a connection's headers; these override them",
  })
  @IsOptional()
  @IsObject()
  headers?: Record<string, unknown>;

  @ApiPropertyOptional({
    ...JsonSchemas.any,
    nullable: true,
    description: 'JSON body; strings may hold {{templates}}',
    example: { orderId: '{{order_id}}' },
  })
  @IsOptional()
  @Allow()
  body?: JsonValue | null;

  @ApiPropertyOptional({
    type: SuccessWhenView,
    example: { status: ['2xx'], body: { path: 'ok', operator: 'is', value: 'true' } },
  })
  @IsOptional()
  @Allow()
  successWhen?: unknown;

  @ApiPropertyOptional({
    ...JsonSchemas.strings,
    description: 'Run variable → path in the response (`data.status`, `statusCode`, `headers.x-id`)',
    example: { order_status: 'data.status' },
  })
  @IsOptional()
  @IsObject()
  responseMapping?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description:
      'Send an Idempotency-Key header, the same on every retry of one step. Null (default): on for every method but GET and HEAD.',
  })
  @IsOptional()
  @IsBoolean()
  idempotencyKey?: boolean | null;

  @ApiPropertyOptional({ type: Number, minimum: 100, maximum: 30000, nullable: true })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(30_000)
  timeoutMs?: number | null;

  @ApiPropertyOptional({ type: RetryDto, nullable: true })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryDto)
  retry?: RetryDto | null;
}

export class UpdateApiDto extends PartialType(CreateApiDto) {}

export class ListApisQueryDto extends ListQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "Only this connection's APIs" })
  @IsOptional()
  @IsUUID('all')
  connectionId?: string;
}
