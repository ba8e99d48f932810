import {
  type BundleApi,
  type BundleConnection,
  type ExportApisResponse,
  type ImportApisResponse,
  type ImportProblem,
  type ImportSecrets,
  importSecretsSchema,
} from '@flowbridge/contracts';
import {
  AppError,
  createValidationPipe,
  InternalSeal,
  internalKeyOf,
  purposeKey,
} from '@flowbridge/platform';
import { Injectable, type Type } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, type Repository } from 'typeorm';
import { CreateApiDto } from '../apis/api.dto';
import { ApiEntity } from '../apis/api.entity';
import { ApisService } from '../apis/apis.service';
import { CreateConnectionDto } from '../connections/connection.dto';
import { ConnectionEntity } from '../connections/connection.entity';
import { ConnectionsService } from '../connections/connections.service';
import { ConnectionsConfig } from '../connections.config';
import { apiBody, bundleApi, bundleConnection, connectionBody, missingSecrets } from './bundle-bodies';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_APIS = 200;
const key = (name: string) => name.trim().toLowerCase(); // titles and names are unique case-insensitively

/**
 * A flow's APIs and connections leaving (export: their settings, never a secret, and which secrets they need)
 * and arriving (import: matched by title and name, or created with the secrets given; an existing one is used
 * as it is, its secrets never overwritten).
 */
@Injectable()
export class BundlesService {
  private readonly seal: InternalSeal;
  private readonly validation = createValidationPipe();

  constructor(
    @InjectRepository(ApiEntity) private readonly apis: Repository<ApiEntity>,
    @InjectRepository(ConnectionEntity) private readonly connections: Repository<ConnectionEntity>,
    private readonly connectionsService: ConnectionsService,
    private readonly apisService: ApisService,
    config: ConnectionsConfig,
  ) {
    this.seal = new InternalSeal(purposeKey(internalKeyOf(config), 'flow-imports'));
  }

  async export(request: unknown): Promise<ExportApisResponse> {
    const { workspaceId, apiIds } = (request ?? {}) as Record<string, unknown>;
    if (typeof workspaceId !== 'string' || !isStrings(apiIds) || apiIds.length > MAX_APIS)
      return invalid(`workspaceId (string) and apiIds (up to ${MAX_APIS} strings) are required`);
    const found = await this.apis.findBy({ workspaceId, id: In(apiIds.filter((id) => UUID.test(id))) });
    const owners = found.length
      ? await this.connections.findBy({ workspaceId, id: In([...new Set(found.map((a) => a.connectionId))]) })
      : [];
    const titleOf = new Map(owners.map((c) => [c.id, c.title]));
    return {
      ok: true,
      connections: owners.map(bundleConnection),
      apis: found.map((api) => bundleApi(api, titleOf.get(api.connectionId)!)),
      missing: apiIds.filter((id) => !found.some((a) => a.id === id.toLowerCase())),
    };
  }

  async import(request: unknown): Promise<ImportApisResponse> {
    const { workspaceId, connections, apis, secrets, dryRun } = (request ?? {}) as Record<string, unknown>;
    if (typeof workspaceId !== 'string' || !Array.isArray(connections) || !Array.isArray(apis))
      return invalid('workspaceId, connections and apis are required');
    const given = this.openSecrets(workspaceId, secrets);
    if (!given) return invalid('secrets must be sealed for this workspace');
    const plan = await this.plan(workspaceId, connections as BundleConnection[], apis as BundleApi[], given);
    if (plan.problems.length > 0) return { ok: false, code: 'IMPORT_REFUSED', problems: plan.problems };
    if (dryRun === true) return { ok: true, apiIds: {}, created: plan.created, matched: plan.matched };
    // Created in order, connections first. A service-level refusal (e.g. a URL the policy refuses) stops here;
    // what was created before it stays and is matched by the next import.
    const connectionIds = new Map(plan.existingConnections);
    for (const { index, body } of plan.newConnections) {
      const made = await this.create(
        () => this.connectionsService.create(workspaceId, body as CreateConnectionDto),
        `bundle.connections[${index}]`,
        'CONNECTION_REFUSED',
      );
      if ('problem' in made) return { ok: false, code: 'IMPORT_REFUSED', problems: [made.problem] };
      connectionIds.set(key(made.value.title), made.value.id);
    }
    const apiIds = new Map(plan.existingApis);
    for (const { index, api, body } of plan.newApis) {
      const made = await this.create(
        () =>
          this.apisService.create(workspaceId, {
            ...(body as CreateApiDto),
            connectionId: connectionIds.get(key(api.connection))!,
          }),
        `bundle.apis[${index}]`,
        'API_REFUSED',
      );
      if ('problem' in made) return { ok: false, code: 'IMPORT_REFUSED', problems: [made.problem] };
      apiIds.set(api.id, made.value.id);
    }
    return { ok: true, apiIds: Object.fromEntries(apiIds), created: plan.created, matched: plan.matched };
  }

  /** What importing would do, and every problem that stops it (secrets missing, bodies the DTOs refuse). */
  private async plan(
    workspaceId: string,
    connections: BundleConnection[],
    apis: BundleApi[],
    secrets: ImportSecrets,
  ) {
    const problems: ImportProblem[] = [];
    const created = { connections: [] as string[], apis: [] as string[] };
    const matched = { connections: [] as string[], apis: [] as string[] };
    const existingConnections = new Map(
      (await this.connections.findBy({ workspaceId })).map((c) => [key(c.title), c.id] as [string, string]),
    );
    const existingApiRows = await this.apis.findBy({ workspaceId });
    const titleOfConnection = new Map([...existingConnections].map(([title, id]) => [id, title]));
    const newConnections: Array<{ index: number; body: object }> = [];
    for (const [index, connection] of connections.entries()) {
      if (existingConnections.has(key(connection.title))) {
        matched.connections.push(connection.title);
        continue;
      }
      const given = secrets.connections?.[connection.title] ?? {};
      problems.push(
        ...missingSecrets(connection.requiredSecrets, given, `secrets.connections["${connection.title}"]`),
      );
      const body = await this.check(
        CreateConnectionDto,
        connectionBody(connection, given),
        `bundle.connections[${index}]`,
        'CONNECTION_REFUSED',
        problems,
      );
      if (body) newConnections.push({ index, body });
      created.connections.push(connection.title);
    }
    const existingApis = new Map<string, string>();
    const newApis: Array<{ index: number; api: BundleApi; body: object }> = [];
    for (const [index, api] of apis.entries()) {
      const field = `bundle.apis[${index}]`;
      if (!connections.some((c) => key(c.title) === key(api.connection))) {
        problems.push({
          code: 'CONNECTION_NOT_IN_BUNDLE',
          message: `API "${api.name}" is on "${api.connection}", which the bundle does not carry`,
          field: `${field}.connection`,
        });
        continue;
      }
      const existing = existingApiRows.find((a) => key(a.name) === key(api.name));
      if (existing) {
        if (titleOfConnection.get(existing.connectionId) !== key(api.connection))
          problems.push({
            code: 'API_ON_OTHER_CONNECTION',
            message: `An API "${api.name}" exists here on another connection than "${api.connection}": rename one`,
            field: `${field}.name`,
          });
        else {
          existingApis.set(api.id, existing.id);
          matched.apis.push(api.name);
        }
        continue;
      }
      const given = secrets.apis?.[api.name] ?? {};
      problems.push(...missingSecrets(api.requiredSecrets, given, `secrets.apis["${api.name}"]`));
      // The connection id is only known once the connection exists: a well-formed stand-in for the check.
      const body = await this.check(
        CreateApiDto,
        { ...apiBody(api, given), connectionId: '00000000-0000-4000-8000-000000000000' },
        field,
        'API_REFUSED',
        problems,
      );
      if (body) newApis.push({ index, api, body });
      created.apis.push(api.name);
    }
    return { problems, created, matched, existingConnections, existingApis, newConnections, newApis };
  }

  /** The body as the HTTP route would take it (same DTO, same pipe), or a problem naming its field. */
  private async check(
    dto: Type<object>,
    body: object,
    field: string,
    code: ImportProblem['code'],
    problems: ImportProblem[],
  ): Promise<object | null> {
    try {
      return (await this.validation.transform(body, { type: 'body', metatype: dto })) as object;
    } catch (error) {
      problems.push(problemOf(error, field, code));
      return null;
    }
  }

  private async create<T>(
    make: () => Promise<T>,
    field: string,
    code: ImportProblem['code'],
  ): Promise<{ value: T } | { problem: ImportProblem }> {
    try {
      return { value: await make() };
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      return { problem: problemOf(error, field, code) };
    }
  }

  private openSecrets(workspaceId: string, sealed: unknown): ImportSecrets | null {
    if (sealed === null || sealed === undefined) return {};
    const plain = this.seal.open(sealed, workspaceId);
    if (plain === null) return null;
    const parsed = importSecretsSchema.safeParse(JSON.parse(plain));
    return parsed.success ? parsed.data : null;
  }
}

function problemOf(error: unknown, field: string, code: ImportProblem['code']): ImportProblem {
  if (error instanceof AppError)
    return { code, message: error.message, field: error.field ? `${field}.${error.field}` : field };
  throw error;
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

function invalid(message: string): { ok: false; code: 'INVALID_REQUEST'; message: string } {
  return { ok: false, code: 'INVALID_REQUEST', message };
}
