import { AUTH_TYPES, type AuthType } from '@flowbridge/contracts';
import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
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
  @Equals('none')
  type!: 'none';
}

export class BearerAuthDto {
  @Equals('bearer')
  type!: 'bearer';

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  token?: string;
}

export class BasicAuthDto {
  @Equals('basic')
  type!: 'basic';

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Matches(/^[^:\r\n]*$/, { message: 'username must not contain ":" or line breaks' })
  username!: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;
}

export class ApiKeyAuthDto {
  @Equals('api_key')
  type!: 'api_key';

  @Matches(TOKEN_NAME, { message: 'name must be a header or query parameter name' })
  name!: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  value?: string;

  @IsIn(['header', 'query'])
  in!: 'header' | 'query';
}

export class OAuth2ClientCredentialsDto {
  @Equals('oauth2_client_credentials')
  type!: 'oauth2_client_credentials';

  @IsString()
  @MaxLength(2048)
  tokenUrl!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(512)
  clientId!: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  clientSecret?: string;

  @IsOptional()
  @IsString()
  @MaxLength(1024)
  scope?: string;

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
    description:
      'none | bearer {token} | basic {username, password} | api_key {name, value, in} | ' +
      'oauth2_client_credentials {tokenUrl, clientId, clientSecret, scope?, audience?}. Secrets are write-only.',
    example: { type: 'bearer', token: 'secret-token' },
  })
  @IsOptional()
  @Transform(toAuthDto)
  @IsObject({ message: 'auth must be an object with a "type"' })
  @ValidateNested()
  auth?: AuthDto;

  @ApiPropertyOptional({
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

  @ApiPropertyOptional({ description: 'Requests per second; null for no limit', nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0.01)
  @Max(10_000)
  rateLimit?: number | null;
}

export class UpdateConnectionDto extends PartialType(CreateConnectionDto) {}

export class ListQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  offset?: number;
}
