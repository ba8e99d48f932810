import { randomUUID } from 'node:crypto';
import { type AllowEntry, checkBaseUrl, parseAllowList } from '@flowbridge/outbound';
import { AppError, violatedConstraint } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ApiEntity } from '../apis/api.entity';
import { ConnectionsConfig } from '../connections.config';
import { ChangeEvents } from '../events/change-events';
import { ConnectionsErrorCode } from '../rules/errors';
import { mergeHeaders, readHeaders } from '../rules/headers';
import { DEFAULT_RETRY, DEFAULT_TIMEOUT_MS, mergeRetry } from '../rules/retry';
import { SecretsService } from '../secrets/secrets.service';
import { applyAuth } from './auth-settings';
import type { CreateConnectionDto, ListQueryDto, UpdateConnectionDto } from './connection.dto';
import { ConnectionEntity } from './connection.entity';
import { type ConnectionView, connectionView } from './connection.view';

@Injectable()
export class ConnectionsService {
  private readonly allow: AllowEntry[];

  constructor(
    @InjectRepository(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    @InjectRepository(ApiEntity) private readonly apis: Repository<ApiEntity>,
    private readonly secrets: SecretsService,
    private readonly events: ChangeEvents,
    config: ConnectionsConfig,
  ) {
    this.allow = parseAllowList(config.OUTBOUND_ALLOW_HOSTS);
  }

  async list(workspaceId: string, query: ListQueryDto): Promise<{ items: ConnectionView[]; total: number }> {
    const [rows, total] = await this.connections.findAndCount({
      where: { workspaceId },
      order: { title: 'ASC', id: 'ASC' },
      take: query.limit ?? 50,
      skip: query.offset ?? 0,
    });
    return { items: rows.map(connectionView), total };
  }

  async get(workspaceId: string, id: string): Promise<ConnectionView> {
    return connectionView(await this.find(workspaceId, id));
  }

  async create(workspaceId: string, dto: CreateConnectionDto): Promise<ConnectionView> {
    const entity = this.connections.create({
      id: randomUUID(),
      workspaceId,
      authType: 'none',
      authSettings: {},
      authSecrets: {},
      headers: {},
      secretHeaders: {},
      timeoutMs: dto.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      retry: DEFAULT_RETRY,
      rateLimit: dto.rateLimit ?? null,
    });
    this.apply(entity, dto, true);
    const saved = await this.save(entity);
    await this.events.publish({ workspaceId, connectionId: saved.id, change: 'created' });
    return connectionView(saved);
  }

  async update(workspaceId: string, id: string, dto: UpdateConnectionDto): Promise<ConnectionView> {
    const entity = await this.find(workspaceId, id);
    this.apply(entity, dto, false);
    const saved = await this.save(entity);
    await this.events.publish({ workspaceId, connectionId: id, change: 'updated' });
    return connectionView(saved);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const entity = await this.find(workspaceId, id);
    const users = await this.apis.find({
      where: { workspaceId, connectionId: id },
      select: { name: true },
      take: 5,
    });
    if (users.length > 0) throw inUse(users.map((a) => a.name));
    try {
      await this.connections.delete({ workspaceId, id: entity.id });
    } catch (error) {
      // An API created between the check and the delete: the foreign key refuses, with the same answer.
      if (violatedConstraint(error, '23503') !== null) throw inUse([]);
      throw error;
    }
    await this.events.publish({ workspaceId, connectionId: id, change: 'deleted' });
  }

  async find(workspaceId: string, id: string): Promise<ConnectionEntity> {
    const entity = await this.connections.findOneBy({ workspaceId, id });
    if (!entity)
      throw new AppError(ConnectionsErrorCode.ConnectionNotFound, `Connection ${id} not found`, 404, 'id');
    return entity;
  }

  private apply(entity: ConnectionEntity, dto: UpdateConnectionDto, isNew: boolean): void {
    if (dto.title !== undefined) entity.title = dto.title;
    if (dto.baseUrl !== undefined) {
      const verdict = checkBaseUrl(dto.baseUrl, this.allow);
      if (!verdict.ok) throw AppError.validation('baseUrl', `baseUrl ${verdict.message}`, verdict.code);
      entity.baseUrl = dto.baseUrl.replace(/\/+$/, '');
    }
    if (dto.auth !== undefined || isNew) {
      applyAuth(entity, dto.auth ?? { type: 'none' }, { secrets: this.secrets, allow: this.allow, isNew });
    }
    if (dto.headers !== undefined) {
      const owner = { kind: 'connection' as const, workspaceId: entity.workspaceId, id: entity.id };
      const changes = readHeaders(dto.headers, 'headers', !isNew);
      Object.assign(
        entity,
        mergeHeaders(entity, changes, (name, value) => this.secrets.seal(owner, `headers.${name}`, value)),
      );
    }
    if (dto.timeoutMs !== undefined) entity.timeoutMs = dto.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (dto.retry !== undefined)
      entity.retry = mergeRetry(isNew ? DEFAULT_RETRY : entity.retry, dto.retry, 'retry');
    if (dto.rateLimit !== undefined) entity.rateLimit = dto.rateLimit;
  }

  private async save(entity: ConnectionEntity): Promise<ConnectionEntity> {
    try {
      return await this.connections.save(entity);
    } catch (error) {
      if (violatedConstraint(error, '23505') === 'UQ_connections_workspace_title') {
        throw AppError.conflict(
          ConnectionsErrorCode.TitleTaken,
          `A connection titled "${entity.title}" already exists in this workspace`,
          'title',
        );
      }
      throw error;
    }
  }
}

function inUse(apiNames: string[]): AppError {
  const which = apiNames.length ? `: ${apiNames.map((n) => `"${n}"`).join(', ')}` : '';
  return AppError.conflict(
    ConnectionsErrorCode.ConnectionInUse,
    `The connection is used by APIs${which}; delete those APIs first`,
    'id',
  );
}
