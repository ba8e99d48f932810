import type { ApiCheckResult, ConnectionsCheckApisResponse, JsonValue } from '@flowbridge/contracts';
import { type AllowEntry, parseAllowList, policyRefusal, RequestEngine } from '@flowbridge/outbound';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { ApiEntity } from '../apis/api.entity';
import { ConnectionEntity } from '../connections/connection.entity';
import { ConnectionsConfig } from '../connections.config';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_APIS = 200;

/** What publishing a flow checks about each API it calls: it exists here, and its URL passes the policy. */
@Injectable()
export class CheckApisService {
  private readonly allowList: AllowEntry[];

  constructor(
    @InjectRepository(ApiEntity) private readonly apis: Repository<ApiEntity>,
    @InjectRepository(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    private readonly engine: RequestEngine,
    config: ConnectionsConfig,
  ) {
    this.allowList = parseAllowList(config.OUTBOUND_ALLOW_HOSTS);
  }

  async check(request: unknown): Promise<ConnectionsCheckApisResponse> {
    const { workspaceId, apiIds } = (request ?? {}) as Record<string, unknown>;
    if (
      typeof workspaceId !== 'string' ||
      workspaceId.length === 0 ||
      !Array.isArray(apiIds) ||
      apiIds.length > MAX_APIS ||
      !apiIds.every((id) => typeof id === 'string')
    )
      return {
        ok: false,
        code: 'INVALID_REQUEST',
        message: `workspaceId (string) and apiIds (up to ${MAX_APIS} strings) are required`,
      };
    const ids = [...new Set(apiIds)];
    const found = await this.apis.findBy({ workspaceId, id: In(ids.filter((id) => UUID.test(id))) });
    const connectionIds = [...new Set(found.map((a) => a.connectionId))];
    const connections = new Map(
      (connectionIds.length ? await this.connections.findBy({ workspaceId, id: In(connectionIds) }) : []).map(
        (c) => [c.id, c],
      ),
    );
    const refusals = new Map<string, Promise<string | null>>();
    for (const c of connections.values())
      refusals.set(c.id, policyRefusal(c.baseUrl, this.allowList, this.engine.resolver));
    const result: Record<string, ApiCheckResult> = {};
    for (const id of ids) {
      const api = found.find((a) => a.id === id.toLowerCase());
      const connection = api && connections.get(api.connectionId);
      if (!api || !connection) {
        result[id] = { ok: false, code: 'UNKNOWN_API', message: `No API "${id}" in this workspace` };
        continue;
      }
      const refusal = await refusals.get(connection.id)!;
      result[id] = refusal
        ? {
            ok: false,
            code: 'API_URL_REFUSED',
            message: `The connection "${connection.title}" is refused by the outbound policy: ${refusal}`,
          }
        : {
            ok: true,
            name: api.name,
            connectionId: connection.id,
            mappedVariables: Object.keys(api.responseMapping),
            templates: [
              api.path,
              ...Object.values(api.query),
              ...Object.values(api.headers),
              ...strings(api.body),
            ],
          };
    }
    return { ok: true, apis: result };
  }
}

/** Every string inside a JSON body template. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  if (value !== null && typeof value === 'object')
    return Object.values(value as Record<string, JsonValue>).flatMap(strings);
  return [];
}
