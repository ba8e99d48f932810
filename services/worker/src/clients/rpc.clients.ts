import {
  type ActiveFlowTriggers,
  type ActiveTriggersResponse,
  connectionsGenerationKey,
  type ConnectionsResolveResponse,
  type FlowVersionDocument,
  type FlowVersionResponse,
  RpcPattern,
} from '@flowbridge/contracts';
import { type FlowDocument, upgradeDocument } from '@flowbridge/flow-engine';
import { connectEarly, GenerationCache, GenerationReader, REDIS } from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import type { Redis } from 'ioredis';
import { firstValueFrom, timeout } from 'rxjs';
import { WorkerConfig } from '../worker.config';

export const RPC_CLIENT = Symbol('RPC_CLIENT');

/** flow-definition or connections did not answer: the job fails and BullMQ tries it again later. */
export class RpcUnavailableError extends Error {}

const VERSION_CACHE_SIZE = 1000;
/** Resolved APIs kept at most; the oldest goes first. */
const RESOLVED_CACHE_SIZE = 10_000;
/** A resolved API is asked for again past this, even when no change was signalled (a Redis that lost the key). */
const RESOLVE_TTL_MS = 30_000;
/** A workspace's connections generation is read at most this often. */
const GENERATION_CHECK_MS = 1000;

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
  private readonly resolved = new GenerationCache<ConnectionsResolveResponse>({
    max: RESOLVED_CACHE_SIZE,
    ttlMs: RESOLVE_TTL_MS,
    keep: (answer) => answer.ok,
  });
  /** The workspaces' connections generations, each read at most once per GENERATION_CHECK_MS. */
  private readonly generations: GenerationReader;

  constructor(
    @Inject(RPC_CLIENT) private readonly client: ClientProxy,
    private readonly config: WorkerConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.generations = new GenerationReader(redis, GENERATION_CHECK_MS);
  }

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

  /**
   * The API with its connection and secrets in clear (in this process's memory only). One RPC per API and
   * change, not per call: calls made while it is being resolved share the answer, which is used again while
   * the workspace's connections generation holds (the connections service moves it on before it answers a
   * change; read here at most once a second) and for RESOLVE_TTL_MS at most. A refusal or a failure is not kept.
   */
  async resolveApi(workspaceId: string, apiId: string): Promise<ConnectionsResolveResponse> {
    const generation = await this.generations.read(
      connectionsGenerationKey(this.config.QUEUE_PREFIX, workspaceId),
    );
    return this.resolved.get(`${workspaceId}/${apiId}`, generation, () =>
      this.send<ConnectionsResolveResponse>(RpcPattern.ConnectionsResolve, { workspaceId, apiId }),
    );
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
