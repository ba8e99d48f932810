import { checkBaseUrl, type AllowEntry } from '@flowbridge/outbound';
import { AppError, type SealedSecret } from '@flowbridge/platform';
import { ConnectionsErrorCode } from '../rules/errors';
import type { SecretOwner, SecretsService } from '../secrets/secrets.service';
import type { AuthDto } from './connection.dto';
import type { AuthSettings, ConnectionEntity, SealedMap } from './connection.entity';

/**
 * Turns an auth DTO into stored settings and sealed secrets. A secret left out is kept when the auth
 * type does not change, and required otherwise.
 */
export function applyAuth(
  entity: ConnectionEntity,
  dto: AuthDto,
  deps: { secrets: SecretsService; allow: readonly AllowEntry[]; isNew: boolean },
): void {
  const owner: SecretOwner = { kind: 'connection', workspaceId: entity.workspaceId, id: entity.id };
  const sameType = !deps.isNew && entity.authType === dto.type;
  const secrets: SealedMap = {};
  const secret = (name: string, provided: string | undefined): void => {
    const kept: SealedSecret | undefined = sameType ? entity.authSecrets[name] : undefined;
    if (provided !== undefined) secrets[name] = deps.secrets.seal(owner, `auth.${name}`, provided);
    else if (kept) secrets[name] = kept;
    else {
      throw AppError.validation(
        `auth.${name}`,
        `auth.${name} is required for ${dto.type} auth`,
        ConnectionsErrorCode.SecretRequired,
      );
    }
  };

  let settings: AuthSettings = {};
  switch (dto.type) {
    case 'none':
      break;
    case 'bearer':
      secret('token', dto.token);
      break;
    case 'basic':
      settings = { username: dto.username };
      secret('password', dto.password);
      break;
    case 'api_key':
      settings = { name: dto.name, in: dto.in };
      secret('value', dto.value);
      break;
    case 'oauth2_client_credentials': {
      const verdict = checkBaseUrl(dto.tokenUrl, deps.allow);
      if (!verdict.ok)
        throw AppError.validation('auth.tokenUrl', `auth.tokenUrl ${verdict.message}`, verdict.code);
      settings = { tokenUrl: dto.tokenUrl, clientId: dto.clientId };
      if (dto.scope !== undefined) settings.scope = dto.scope;
      if (dto.audience !== undefined) settings.audience = dto.audience;
      secret('clientSecret', dto.clientSecret);
      break;
    }
    default: {
      const unreachable: never = dto;
      throw AppError.validation(
        'auth.type',
        `unknown auth type ${String((unreachable as { type: unknown }).type)}`,
      );
    }
  }
  entity.authType = dto.type;
  entity.authSettings = settings;
  entity.authSecrets = secrets;
}
