import { randomUUID } from 'node:crypto';
import { AppError, violatedConstraint } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ConnectionsService } from '../connections/connections.service';
import { ChangeEvents } from '../events/change-events';
import { checkApiPath } from '../rules/api-path';
import { ConnectionsErrorCode } from '../rules/errors';
import { checkHeaderValue, mergeHeaders, readHeaders } from '../rules/headers';
import { checkResponseMapping } from '../rules/response-mapping';
import { DEFAULT_RETRY, mergeRetry } from '../rules/retry';
import { checkSuccessWhen, DEFAULT_SUCCESS_WHEN } from '../rules/success-when';
import { SecretsService } from '../secrets/secrets.service';
import type { CreateApiDto, ListApisQueryDto, UpdateApiDto } from './api.dto';
import { ApiEntity } from './api.entity';
import { type ApiView, apiView } from './api.view';

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD']);
const MAX_QUERY_PARAMS = 50;

@Injectable()
export class ApisService {
  constructor(
    @InjectRepository(ApiEntity) private readonly apis: Repository<ApiEntity>,
    private readonly connections: ConnectionsService,
    private readonly secrets: SecretsService,
    private readonly events: ChangeEvents,
  ) {}

  async list(workspaceId: string, query: ListApisQueryDto): Promise<{ items: ApiView[]; total: number }> {
    const [rows, total] = await this.apis.findAndCount({
      where: query.connectionId ? { workspaceId, connectionId: query.connectionId } : { workspaceId },
      order: { name: 'ASC', id: 'ASC' },
      take: query.limit ?? 50,
      skip: query.offset ?? 0,
    });
    return { items: rows.map(apiView), total };
  }

  async get(workspaceId: string, id: string): Promise<ApiView> {
    return apiView(await this.find(workspaceId, id));
  }

  async create(workspaceId: string, dto: CreateApiDto): Promise<ApiView> {
    await this.requireConnection(workspaceId, dto.connectionId);
    const entity = this.apis.create({
      id: randomUUID(),
      workspaceId,
      connectionId: dto.connectionId,
      method: 'GET',
      path: '',
      query: {},
      headers: {},
      secretHeaders: {},
      body: null,
      successWhen: DEFAULT_SUCCESS_WHEN,
      responseMapping: {},
      idempotencyKey: null,
      timeoutMs: null,
      retry: null,
    });
    this.apply(entity, dto, true);
    const saved = await this.save(entity);
    await this.events.publish({
      workspaceId,
      connectionId: saved.connectionId,
      apiId: saved.id,
      change: 'created',
    });
    return apiView(saved);
  }

  async update(workspaceId: string, id: string, dto: UpdateApiDto): Promise<ApiView> {
    const entity = await this.find(workspaceId, id);
    const previousConnection = entity.connectionId;
    if (dto.connectionId !== undefined && dto.connectionId !== entity.connectionId) {
      await this.requireConnection(workspaceId, dto.connectionId);
    }
    this.apply(entity, dto, false);
    const saved = await this.save(entity);
    await this.events.publish({
      workspaceId,
      connectionId: previousConnection,
      apiId: id,
      change: 'updated',
    });
    return apiView(saved);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const entity = await this.find(workspaceId, id);
    await this.apis.delete({ workspaceId, id });
    await this.events.publish({
      workspaceId,
      connectionId: entity.connectionId,
      apiId: id,
      change: 'deleted',
    });
  }

  async find(workspaceId: string, id: string): Promise<ApiEntity> {
    const entity = await this.apis.findOneBy({ workspaceId, id });
    if (!entity) throw new AppError(ConnectionsErrorCode.ApiNotFound, `API ${id} not found`, 404, 'id');
    return entity;
  }

  private async requireConnection(workspaceId: string, connectionId: string): Promise<void> {
    try {
      await this.connections.find(workspaceId, connectionId);
    } catch (error) {
      if (error instanceof AppError && error.status === 404) {
        // The id is in the body, so this is the client's field to fix, not a missing route.
        throw AppError.validation(
          'connectionId',
          `No connection ${connectionId} in this workspace`,
          ConnectionsErrorCode.ConnectionNotFound,
        );
      }
      throw error;
    }
  }

  private apply(entity: ApiEntity, dto: UpdateApiDto, isNew: boolean): void {
    if (dto.name !== undefined) entity.name = dto.name;
    if (dto.connectionId !== undefined) entity.connectionId = dto.connectionId;
    if (dto.method !== undefined) entity.method = dto.method;
    if (dto.path !== undefined) entity.path = checkApiPath(dto.path, 'path');
    if (dto.query !== undefined) entity.query = readQuery(dto.query);
    if (dto.headers !== undefined) {
      const owner = { kind: 'api' as const, workspaceId: entity.workspaceId, id: entity.id };
      const changes = readHeaders(dto.headers, 'headers', !isNew);
      Object.assign(
        entity,
        mergeHeaders(entity, changes, (name, value) => this.secrets.seal(owner, `headers.${name}`, value)),
      );
    }
    if (dto.body !== undefined) entity.body = dto.body;
    if (entity.body !== null && METHODS_WITHOUT_BODY.has(entity.method)) {
      throw AppError.validation(
        'body',
        `${entity.method} requests cannot have a body`,
        ConnectionsErrorCode.BodyNotAllowed,
      );
    }
    if (dto.successWhen !== undefined)
      entity.successWhen =
        dto.successWhen === null ? DEFAULT_SUCCESS_WHEN : checkSuccessWhen(dto.successWhen);
    if (dto.responseMapping !== undefined) entity.responseMapping = checkResponseMapping(dto.responseMapping);
    if (dto.idempotencyKey !== undefined) entity.idempotencyKey = dto.idempotencyKey;
    if (dto.timeoutMs !== undefined) entity.timeoutMs = dto.timeoutMs;
    if (dto.retry !== undefined)
      entity.retry =
        dto.retry === null ? null : mergeRetry(entity.retry ?? DEFAULT_RETRY, dto.retry, 'retry');
  }

  private async save(entity: ApiEntity): Promise<ApiEntity> {
    try {
      return await this.apis.save(entity);
    } catch (error) {
      if (violatedConstraint(error, '23505') === 'UQ_apis_workspace_name') {
        throw AppError.conflict(
          ConnectionsErrorCode.ApiNameTaken,
          `An API named "${entity.name}" already exists in this workspace`,
          'name',
        );
      }
      if (violatedConstraint(error, '23503') !== null) {
        throw AppError.validation(
          'connectionId',
          'The connection no longer exists',
          ConnectionsErrorCode.ConnectionNotFound,
        );
      }
      throw error;
    }
  }
}

function readQuery(input: Record<string, unknown>): Record<string, string> {
  const entries = Object.entries(input);
  if (entries.length > MAX_QUERY_PARAMS)
    throw AppError.validation('query', `query may hold at most ${MAX_QUERY_PARAMS} parameters`);
  const out: Record<string, string> = {};
  for (const [name, value] of entries) {
    const at = `query.${name}`;
    if (name.length === 0 || name.length > 100)
      throw AppError.validation(at, `${at} must have a name of 1-100 characters`);
    const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    if (typeof text !== 'string') throw AppError.validation(at, `${at} must be a string`);
    checkHeaderValue(text, at);
    out[name] = text;
  }
  return out;
}
