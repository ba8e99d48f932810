import { AUTH_TYPES, type AuthType } from '@flowbridge/contracts';
import { JsonSchemas, oneOfBy } from '@flowbridge/platform';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  Equals,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

const TOKEN_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

export class RetryDto {
  @ApiPropertyOptional({ description: 'Retries after the first attempt', minimum: 0, maximum: 10 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  attempts?: number;

  @ApiPropertyOptional({ enum: ['exponential', 'fixed'] })
  @IsOptional()
  @IsIn(['exponential', 'fixed'])
  backoff?: 'exponential' | 'fixed';

  @ApiPropertyOptional({ minimum: 0, maximum: 60000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(60_000)
  delayMs?: number;

  @ApiPropertyOptional({ minimum: 0, maximum: 300000 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(300_000)
  maxDelayMs?: number;
}

// Secret fields are optional in the DTOs: required on create or on a change of type, kept otherwise.
// The service enforces that, naming the field.

export class UnknownAuthDto {
  @IsIn(AUTH_TYPES, { message: `auth.type must be one of: ${AUTH_TYPES.join(', ')}` })
  type!: string;
}

export class NoAuthDto {
  @ApiProperty({ enum: ['none'] })
  @Equals('none')
  type!: 'none';
}

export class BearerAuthDto {
  @ApiProperty({ enum: ['bearer'] })
  @Equals('bearer')
  type!: 'bearer';

  @ApiPropertyOptional({ description: 'Write-only; required on create, kept when omitted', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  token?: string;
}

export class BasicAuthDto {
  @ApiProperty({ enum: ['basic'] })
  @Equals('basic')
  type!: 'basic';

  @ApiProperty({ maxLength: 256 })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(/^[^:\r\n]*$/, { message: 'username must not contain ":" or line breaks' })
  username!: string;

  @ApiPropertyOptional({ description: 'Write-only; required on create, kept when omitted', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;
}

export class ApiKeyAuthDto {
  @ApiProperty({ enum: ['api_key'] })
  @Equals('api_key')
  type!: 'api_key';

  @ApiProperty({ description: 'The header or query parameter name', example: 'x-api-key' })
  @Matches(TOKEN_NAME, { message: 'name must be a header or query parameter name' })
  name!: string;

  @ApiPropertyOptional({ description: 'Write-only; required on create, kept when omitted', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  value?: string;

  @ApiProperty({ enum: ['header', 'query'] })
  @IsIn(['header', 'query'])
  in!: 'header' | 'query';
}

export class OAuth2ClientCredentialsDto {
  @ApiProperty({ enum: ['oauth2_client_credentials'] })
  @Equals('oauth2_client_credentials')
  type!: 'oauth2_client_credentials';

  @ApiProperty({ example: 'https://auth.example.com/oauth/token' })
  @IsString()
  @MaxLength(2048)
  tokenUrl!: string;

  @ApiProperty()
  @IsString()
  @MinLength(1)
  @MaxLength(512)
  clientId!: string;

  @ApiPropertyOptional({ description: 'Write-only; required on create, kept when omitted', writeOnly: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  clientSecret?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  audience?: string;
}

export type AuthDto = NoAuthDto | BearerAuthDto | BasicAuthDto | ApiKeyAuthDto | OAuth2ClientCredentialsDto;

const AUTH_CLASSES: Record<AuthType, new () => AuthDto> = {
  none: NoAuthDto,
  bearer: BearerAuthDto,
  basic: BasicAuthDto,
  api_key: ApiKeyAuthDto,
  oauth2_client_credentials: OAuth2ClientCredentialsDto,
};

/** Picks the auth class from `type`, so that whitelisting and field errors work per variant. */
function toAuthDto({ obj }: { obj: Record<string, unknown> }): unknown {
  const raw = obj.auth;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const type = (raw as { type?: unknown }).type;
  const cls =
    typeof type === 'string' && type in AUTH_CLASSES ? AUTH_CLASSES[type as AuthType] : UnknownAuthDto;
  return plainToInstance(cls, raw);
}

@ApiExtraModels(...Object.values(AUTH_CLASSES))
export class CreateConnectionDto {
  @ApiProperty({ example: 'Customer API', maxLength: 100 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1, { message: 'title must not be empty' })
  @MaxLength(100)
  title!: string;

  @ApiProperty({ example: 'https://api.example.com/v1' })
  @IsString()
  @MaxLength(2048)
  baseUrl!: string;

  @ApiPropertyOptional({
    description: 'How requests authenticate, by `type`. Secrets are write-only. Default: none.',
    example: { type: 'bearer', token: 'secret-token' },
    ...oneOfBy('type', AUTH_CLASSES),
  })
  @IsOptional()
  @Transform(toAuthDto)
  @IsObject({ message: 'auth must be an object with a "type"' })
  @ValidateNested()
  auth?: AuthDto;

  @ApiPropertyOptional({
    ...JsonSchemas.headers,
    description:
      'Default headers. A value of {"secret": "..."} (or any credential-like header name) is stored ' +
      'encrypted and shown masked. In PATCH, null removes a header.',
    example: { 'x-client': 'flowbridge' },
  })
  @IsOptional()
  @IsObject()
  headers?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 100, maximum: 30000, default: 10000 })
  @IsOptional()
  @IsInt()
  @Min(100)
  @Max(30_000)
  timeoutMs?: number;

  @ApiPropertyOptional({ type: RetryDto })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RetryDto)
  retry?: RetryDto;

  @ApiPropertyOptional({
    type: Number,
    description: 'Requests per second, spaced evenly; null for no limit',
    nullable: true,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(10_000)
  rateLimit?: number | null;
}

export class UpdateConnectionDto extends PartialType(CreateConnectionDto) {}

export class ListQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50, description: 'Page size' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ minimum: 0, default: 0, description: 'How many to skip' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
