import {
  FLOW_BUNDLE_FORMAT,
  type FlowBundle,
  flowBundleSchema,
  type ImportProblem,
  importSecretsSchema,
} from '@flowbridge/contracts';
import { apiReferencesOf, withApiReferences } from '@flowbridge/flow-engine';
import {
  AppError,
  createValidationPipe,
  InternalSeal,
  internalKeyOf,
  purposeKey,
} from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, type Repository, Raw } from 'typeorm';
import { ChannelsClient } from '../channels/channels.client';
import { FlowErrorCode } from '../errors';
import { FlowDefinitionConfig } from '../flow-definition.config';
import { PublishService } from '../publishing/publish.service';
import { ConnectionsClient, ConnectionsUnavailableError } from '../validation/connections.client';
import { CreateFlowDto } from './flow.dto';
import { FlowEntity } from './flow.entity';
import type { FlowImported, ImportFlowDto } from './flow-responses';
import { FlowsService } from './flows.service';

/**
 * Flows that move between environments. Export: the draft (or a version) and the APIs and connections it
 * calls, by name, secrets left out and named. Import: the connections and APIs matched by name or created (by
 * the connections service, with the secrets given, sealed on the way), the document's API ids pointed at them,
 * and a new draft made; or a refusal listing every problem. Nothing is created when a problem is found first.
 */
@Injectable()
export class FlowBundles {
  private readonly seal: InternalSeal;
  private readonly validation = createValidationPipe();

  constructor(
    @InjectRepository(FlowEntity) private readonly flows: Repository<FlowEntity>,
    private readonly drafts: FlowsService,
    private readonly publishing: PublishService,
    private readonly connections: ConnectionsClient,
    private readonly channels: ChannelsClient,
    config: FlowDefinitionConfig,
  ) {
    this.seal = new InternalSeal(purposeKey(internalKeyOf(config), 'flow-imports'));
  }

  async export(workspaceId: string, flowId: string, version?: number): Promise<FlowBundle> {
    const flow = await this.drafts.find(workspaceId, flowId);
    const document =
      version === undefined
        ? flow.document
        : (await this.publishing.version(workspaceId, flowId, version)).document;
    const { connections, apis } = await this.unavailableAs503(() =>
      this.connections.exportApis({ workspaceId, apiIds: apiReferencesOf(document) }),
    );
    return {
      format: FLOW_BUNDLE_FORMAT,
      exportedAt: new Date().toISOString(),
      source: { flowId, version: version ?? null },
      flow: { name: flow.name, document: document },
      connections,
      apis,
    };
  }

  async import(workspaceId: string, dto: ImportFlowDto): Promise<FlowImported> {
    const parsed = flowBundleSchema.safeParse(dto.bundle);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw AppError.validation(
        ['bundle', ...issue.path].join('.'),
        `The bundle is not one: ${issue.message}`,
      );
    }
    const secrets = importSecretsSchema.safeParse(dto.secrets ?? {});
    if (!secrets.success) {
      const issue = secrets.error.issues[0];
      throw AppError.validation(['secrets', ...issue.path].join('.'), issue.message);
    }
    const bundle = parsed.data;
    const name = dto.name ?? bundle.flow.name;
    const problems: ImportProblem[] = [];
    // The draft as POST /flows would take it (same DTO and pipe); its API ids are pointed at the new ones below.
    let draft = await this.asDraft(
      { ...bundle.flow.document, name, channelIds: dto.channelIds ?? [] },
      problems,
    );
    const carried = new Set(bundle.apis.map((a) => a.id));
    for (const id of apiReferencesOf(bundle.flow.document))
      if (!carried.has(id))
        problems.push({
          code: 'API_NOT_IN_BUNDLE',
          message: `The flow calls API ${id}, which the bundle does not carry (deleted before the export?)`,
          field: 'bundle.flow.document',
        });
    if (await this.nameTaken(workspaceId, name))
      problems.push({
        code: 'FLOW_NAME_TAKEN',
        message: `A flow named "${name}" exists here: import it under another name`,
        field: 'name',
      });
    const channelIds = (dto.channelIds ?? []).map((c) => c.toLowerCase());
    for (const { index, id } of await this.channels.unknown(workspaceId, channelIds))
      problems.push({
        code: 'CHANNEL_NOT_FOUND',
        message: `The workspace has no channel ${id}`,
        field: `channelIds[${index}]`,
      });
    const request = {
      workspaceId,
      connections: bundle.connections,
      apis: bundle.apis,
      secrets: this.seal.seal(JSON.stringify(secrets.data), workspaceId),
    };
    // Every problem first (the connections service checks its part without creating anything), then the work.
    const checked = await this.unavailableAs503(() =>
      this.connections.importApis({ ...request, dryRun: true }),
    );
    if (!checked.ok) problems.push(...checked.problems);
    if (problems.length > 0 || !draft) throw refused(problems);
    const imported = await this.unavailableAs503(() =>
      this.connections.importApis({ ...request, dryRun: false }),
    );
    if (!imported.ok) throw refused(imported.problems);
    draft = withApiReferences(draft, (id) => imported.apiIds[id]);
    const flow = await this.drafts.create(workspaceId, draft);
    return { flow, created: imported.created, matched: imported.matched };
  }

  private async asDraft(body: object, problems: ImportProblem[]): Promise<CreateFlowDto | null> {
    try {
      return (await this.validation.transform(body, {
        type: 'body',
        metatype: CreateFlowDto,
      })) as CreateFlowDto;
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      problems.push({
        code: 'INVALID_BUNDLE',
        message: error.message,
        field:
          error.field === 'name' || error.field?.startsWith('channelIds')
            ? error.field
            : `bundle.flow.document.${error.field}`,
      });
      return null;
    }
  }

  private async nameTaken(workspaceId: string, name: string): Promise<boolean> {
    return this.flows.exists({
      where: {
        workspaceId,
        deletedAt: IsNull(),
        name: Raw((column) => `lower(${column}) = lower(:name)`, { name }),
      },
    });
  }

  private async unavailableAs503<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ConnectionsUnavailableError)) throw error;
      throw new AppError(
        FlowErrorCode.ConnectionsUnavailable,
        'The connections service did not answer; try again shortly',
        503,
      );
    }
  }
}

function refused(problems: ImportProblem[]): AppError {
  return new AppError(
    FlowErrorCode.ImportRefused,
    `The flow cannot be imported: ${problems.length} problem(s) to fix`,
    422,
    undefined,
    { problems },
  );
}
