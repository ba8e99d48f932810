import { flowsGenerationKey, type TriggerKind, type TriggerMessage } from '@flowbridge/contracts';
import { bestTriggerMatch, type Trigger } from '@flowbridge/flow-engine';
import { type Generation, GenerationCache, REDIS } from '@flowbridge/platform';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { WorkerConfig } from '../worker.config';
import { RpcClients } from './rpc.clients';

/** Cached channels at most; the oldest goes first. */
const MAX_CHANNELS = 10_000;
/** A cached channel is read again past this, even when no change was signalled (a Redis that lost the key). */
const TTL_MS = 30_000;

export type TriggerMatch = { flowId: string; version: number; trigger: TriggerKind };

export interface TriggerMatcher {
  match(channelId: string, message: TriggerMessage): Promise<TriggerMatch | null>;
}

type ChannelFlows = Array<{ flowId: string; version: number; triggers: Trigger[]; activatedAt: string }>;

/**
 * Which active flow a message starts, matched here from the channel's cached active triggers instead of an
 * RPC per message made while the contact is locked. The cache holds while the workspace's flows generation
 * (one Redis GET) is the one it was read under: flow-definition moves it on before it answers a publish,
 * activation, deactivation or deletion, so the next message sees the change.
 */
@Injectable()
export class ActiveTriggers {
  private readonly cache = new GenerationCache<ChannelFlows>({ max: MAX_CHANNELS, ttlMs: TTL_MS });

  constructor(
    private readonly rpc: RpcClients,
    private readonly config: WorkerConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  /**
   * A matcher for one batch of the workspace's events: the flows generation is read once, at the first match
   * (one Redis GET per batch instead of one per message), and each channel's triggers come from the cache
   * while it holds.
   */
  forWorkspace(workspaceId: string): TriggerMatcher {
    let generation: Promise<Generation> | undefined;
    return {
      match: async (channelId, message) => {
        generation ??= this.generationOf(workspaceId);
        const best = bestTriggerMatch(await this.flowsOf(workspaceId, channelId, await generation), message);
        return best && { flowId: best.flow.flowId, version: best.flow.version, trigger: best.kind };
      },
    };
  }

  /** The workspace's flows generation; undefined when Redis cannot say (then nothing is cached). */
  private async generationOf(workspaceId: string): Promise<Generation> {
    try {
      return await this.redis.get(flowsGenerationKey(this.config.QUEUE_PREFIX, workspaceId));
    } catch {
      // Redis is down or just back (this client fails fast): ask flow-definition, whose RPC client waits for
      // Redis within its timeout, and cache nothing. Failing the job here would put the contact into the
      // queue's growing backoff (reliability F4: the last contact 70+ s late instead of ~12 s).
      return undefined;
    }
  }

  private flowsOf(
    workspaceId: string,
    channelId: string,
    // Read before the triggers: a change after this read moves the generation on, and the next call refetches.
    generation: Generation,
  ): Promise<ChannelFlows> {
    return this.cache.get(`${workspaceId}/${channelId}`, generation, async () =>
      (await this.rpc.activeTriggers(workspaceId, channelId)).map((f) => ({
        ...f,
        triggers: f.triggers as Trigger[],
      })),
    );
  }
}
