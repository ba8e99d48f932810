import {
  type ActiveFlowTriggers,
  type ActiveTriggersResponse,
  type ConnectionsResolveResponse,
  type FlowVersionDocument,
  type FlowVersionResponse,
  RpcPattern,
} from '@flowbridge/contracts';
import { type FlowDocument, upgradeDocument } from '@flowbridge/flow-engine';
import { connectEarly } from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { WorkerConfig } from '../worker.config';

export const RPC_CLIENT = Symbol('RPC_CLIENT');

/** flow-definition or connections did not answer: the job fails and BullMQ tries it again later. */
export class RpcUnavailableError extends Error {}

const VERSION_CACHE_SIZE = 1000;
const RESOLVE_TTL_MS = 10_000;

export interface LoadedVersion {
  flowId: string;
  version: number;
  document: FlowDocument;
}

/** What the worker asks the other services, with caches: versions are immutable, API settings change rarely. */
@Injectable()
export class RpcClients implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RpcClients.name);
  private readonly versions = new Map<string, LoadedVersion>();
  private readonly resolved = new Map<string, { at: number; value: ConnectionsResolveResponse }>();

  constructor(
    @Inject(RPC_CLIENT) private readonly client: ClientProxy,
    private readonly config: WorkerConfig,
  ) {}

  /** A published version (null when it does not exist), cached for good: versions never change. */
  async flowVersion(workspaceId: string, flowId: string, version: number): Promise<LoadedVersion | null> {
    const key = `${workspaceId}/${flowId}/${version}`;
    const cached = this.versions.get(key);
    if (cached) return cached;
    const answer = await this.send<FlowVersionResponse>(RpcPattern.FlowsVersion, {
      workspaceId,
      flowId,
      version,
    });
    if (!answer.ok) return null;
    const loaded = { flowId, version, document: upgradeDocument(answer.version.document) as FlowDocument };
    if (this.versions.size >= VERSION_CACHE_SIZE)
      this.versions.delete(this.versions.keys().next().value as string);
    this.versions.set(key, loaded);
    return loaded;
  }

  /** The active versions a channel's messages may start, with their triggers (the caller caches them). */
  async activeTriggers(workspaceId: string, channelId: string): Promise<ActiveFlowTriggers[]> {
    const answer = await this.send<ActiveTriggersResponse>(RpcPattern.FlowsActiveTriggers, {
      workspaceId,
      channelId,
    });
    if (!answer.ok)
      throw new RpcUnavailableError(`flows.active-triggers refused the request: ${answer.message}`);
    return answer.flows;
  }

  /** The API with its connection and secrets (kept in memory for a few seconds only). */
  async resolveApi(workspaceId: string, apiId: string): Promise<ConnectionsResolveResponse> {
    const key = `${workspaceId}/${apiId}`;
    const cached = this.resolved.get(key);
    if (cached && Date.now() - cached.at < RESOLVE_TTL_MS) return cached.value;
    const value = await this.send<ConnectionsResolveResponse>(RpcPattern.ConnectionsResolve, {
      workspaceId,
      apiId,
    });
    if (value.ok) this.resolved.set(key, { at: Date.now(), value });
    return value;
  }

  private async send<T>(pattern: string, payload: object): Promise<T> {
    try {
      return await firstValueFrom(
        this.client.send<T>(pattern, payload).pipe(timeout(this.config.WORKER_RPC_TIMEOUT_MS)),
      );
    } catch (error) {
      throw new RpcUnavailableError(`${pattern}: ${error instanceof Error ? error.message : 'no answer'}`);
    }
  }

  onApplicationBootstrap(): void {
    connectEarly(this.client, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

export type { FlowVersionDocument };
