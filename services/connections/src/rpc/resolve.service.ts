import type {
  ConnectionsResolveResponse,
  JsonValue,
  ResolvedApi,
  ResolvedAuth,
  ResolvedConnection,
} from '@flowbridge/contracts';
import { SecretBoxError } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ApiEntity } from '../apis/api.entity';
import { ConnectionEntity, type SealedMap } from '../connections/connection.entity';
import { type SecretOwner, SecretsService } from '../secrets/secrets.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The API with its connection and secrets in clear, for the worker's request engine only. */
@Injectable()
export class ResolveService {
  private readonly logger = new Logger(ResolveService.name);

  constructor(
    @InjectRepository(ApiEntity) private readonly apis: Repository<ApiEntity>,
    @InjectRepository(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    private readonly secrets: SecretsService,
  ) {}

  async resolve(request: unknown): Promise<ConnectionsResolveResponse> {
    const { workspaceId, apiId } = (request ?? {}) as Record<string, unknown>;
    if (
      typeof workspaceId !== 'string' ||
      workspaceId.length === 0 ||
      typeof apiId !== 'string' ||
      !UUID.test(apiId)
    ) {
      return {
        ok: false,
        code: 'INVALID_REQUEST',
        message: 'workspaceId (string) and apiId (uuid) are required',
      };
    }
    const api = await this.apis.findOneBy({ workspaceId, id: apiId });
    const connection = api ? await this.connections.findOneBy({ workspaceId, id: api.connectionId }) : null;
    if (!api || !connection)
      return { ok: false, code: 'API_NOT_FOUND', message: `No API ${apiId} in workspace ${workspaceId}` };
    try {
      const resolvedConnection = this.connection(connection);
      return { ok: true, connection: resolvedConnection, api: this.api(api, resolvedConnection) };
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      this.logger.error(
        { err: error, apiId, connectionId: connection.id },
        'a stored secret could not be decrypted',
      );
      return {
        ok: false,
        code: 'DECRYPTION_FAILED',
        message: 'A stored secret could not be decrypted; check ENCRYPTION_KEYS',
      };
    }
  }

  /** A connection with its secrets in clear (for its reachability test), or null. Throws SecretBoxError. */
  async resolveConnection(workspaceId: string, id: string): Promise<ResolvedConnection | null> {
    const entity = await this.connections.findOneBy({ workspaceId, id });
    return entity ? this.connection(entity) : null;
  }

  private connection(entity: ConnectionEntity): ResolvedConnection {
    const owner: SecretOwner = { kind: 'connection', workspaceId: entity.workspaceId, id: entity.id };
    const secret = (name: string): string =>
      this.secrets.open(owner, `auth.${name}`, entity.authSecrets[name]);
    const s = entity.authSettings;
    let auth: ResolvedAuth;
    switch (entity.authType) {
      case 'none':
        auth = { type: 'none' };
        break;
      case 'bearer':
        auth = { type: 'bearer', token: secret('token') };
        break;
      case 'basic':
        auth = { type: 'basic', username: s.username ?? '', password: secret('password') };
        break;
      case 'api_key':
        auth = { type: 'api_key', name: s.name ?? '', in: s.in ?? 'header', value: secret('value') };
        break;
      case 'oauth2_client_credentials':
        auth = {
          type: 'oauth2_client_credentials',
          tokenUrl: s.tokenUrl ?? '',
          clientId: s.clientId ?? '',
          clientSecret: secret('clientSecret'),
          ...(s.scope !== undefined ? { scope: s.scope } : {}),
          ...(s.audience !== undefined ? { audience: s.audience } : {}),
        };
        break;
    }
    return {
      id: entity.id,
      workspaceId: entity.workspaceId,
      title: entity.title,
      baseUrl: entity.baseUrl,
      auth,
      headers: { ...entity.headers, ...this.openHeaders(owner, entity.secretHeaders) },
      secretHeaders: Object.keys(entity.secretHeaders),
      timeoutMs: entity.timeoutMs,
      retry: entity.retry,
      rateLimit: entity.rateLimit,
      updatedAt: entity.updatedAt.toISOString(),
    };
  }

  private api(entity: ApiEntity, connection: ResolvedConnection): ResolvedApi {
    const owner: SecretOwner = { kind: 'api', workspaceId: entity.workspaceId, id: entity.id };
    return {
      id: entity.id,
      workspaceId: entity.workspaceId,
      name: entity.name,
      method: entity.method,
      path: entity.path,
      query: entity.query,
      headers: { ...entity.headers, ...this.openHeaders(owner, entity.secretHeaders) },
      secretHeaders: Object.keys(entity.secretHeaders),
      idempotencyKey: entity.idempotencyKey ?? (entity.method !== 'GET' && entity.method !== 'HEAD'),
      body: (entity.body ?? null) as JsonValue | null,
      successWhen: entity.successWhen,
      responseMapping: entity.responseMapping,
      timeoutMs: entity.timeoutMs ?? connection.timeoutMs,
      retry: entity.retry ?? connection.retry,
      updatedAt: entity.updatedAt.toISOString(),
    };
  }

  private openHeaders(owner: SecretOwner, sealed: SealedMap): Record<string, string> {
    return Object.fromEntries(
      Object.entries(sealed).map(([name, s]) => [name, this.secrets.open(owner, `headers.${name}`, s)]),
    );
  }
}
