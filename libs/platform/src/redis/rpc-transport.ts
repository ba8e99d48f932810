import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  ClientRedis,
  type Deserializer,
  type IncomingResponse,
  type RedisOptions,
  type Serializer,
  ServerRedis,
} from '@nestjs/microservices';
import { Counter } from 'prom-client';
import { InternalSeal, purposeKey } from '../crypto/internal-key';
import { metricOnce } from '../metrics/metrics';
import { redisOptionsFromUrl } from './redis-options';

type RedisTransportOptions = NonNullable<RedisOptions['options']>;

// Redis pub/sub channels are global to a Redis server (database numbers do not separate them): two
// deployments, or two test runs, sharing one Redis would answer each other's RPCs and hear each other's
// events. Every pattern, on both sides, is routed as `<RPC_NAMESPACE>:<pattern>`; replies follow
// (`<namespace>:<pattern>.reply`). Nest routes by the normalised pattern, so this is the one hook needed.
//
// Every message and reply is also sealed (AES-256-GCM under a key derived from INTERNAL_KEY), bound to its
// channel and request id: a client of Redis without the key reads nothing (connections.resolve replies carry
// a tenant's credentials) and cannot make a service answer (a request that does not open is dropped unread).
//
// Pub/sub hands a request to every replica of the service that answers it. One replica answers: the first to
// claim the request id in Redis (`SET NX`); the others drop it. Without this, an RPC that changes something
// (connections.import-apis creating connections and APIs) ran on each replica at once, and the caller took
// whichever reply came first, a replica's refusal after losing the race included. Events (no id) still reach
// every replica: they are cache hints each one needs.

function namespaced(namespace: string, route: string): string {
  const prefix = `${namespace}:`;
  return route.startsWith(prefix) ? route : `${prefix}${route}`;
}

const refusedRpc = metricOnce(
  'flowbridge_rpc_refused_total',
  () =>
    new Counter({
      name: 'flowbridge_rpc_refused_total',
      help: 'RPC messages and replies dropped unread because they were not sealed with INTERNAL_KEY',
      labelNames: ['kind'],
    }),
);

/** On the wire: the request id in clear (Nest routes replies by it), everything else sealed. */
interface SealedPacket {
  id?: string;
  sealed: string;
}

const requestContext = (channel: string, id: string | undefined) => `request|${channel}|${id ?? 'event'}`;
const replyContext = (namespace: string, id: string) => `reply|${namespace}|${id}`;

/** Longer than any caller waits for a reply; the copies of a request reach the replicas within milliseconds. */
const CLAIM_TTL_MS = 120_000;

const answeredElsewhere = metricOnce(
  'flowbridge_rpc_left_to_another_replica_total',
  () =>
    new Counter({
      name: 'flowbridge_rpc_left_to_another_replica_total',
      help: 'RPC requests this replica did not answer because another replica of the service claimed them',
    }),
);

class RpcSeal {
  readonly seal: InternalSeal;
  constructor(
    internalKey: string,
    readonly namespace: string,
  ) {
    this.seal = new InternalSeal(purposeKey(internalKey, 'rpc'));
  }
}

export class NamespacedRedisServer extends ServerRedis {
  private readonly sealing: RpcSeal;
  private readonly log = new Logger('RpcServer');
  /** Left in each claim, for an operator reading Redis. */
  private readonly replica = `${hostname()}:${process.pid}`;

  constructor(
    options: RedisTransportOptions,
    private readonly namespace: string,
    internalKey: string,
  ) {
    super(options);
    const sealing = new RpcSeal(internalKey, namespace);
    this.sealing = sealing;
    // Replies: sealed for the requester, bound to the request id.
    this.serializer = {
      serialize(value: { id: string } & Record<string, unknown>): SealedPacket {
        const { id, ...rest } = value;
        return { id, sealed: sealing.seal.seal(JSON.stringify(rest), replyContext(sealing.namespace, id)) };
      },
    } satisfies Serializer;
  }

  override normalizePattern(pattern: Parameters<ServerRedis['normalizePattern']>[0]): string {
    return namespaced(this.namespace, super.normalizePattern(pattern));
  }

  /** Opens the request before Nest sees it; one that does not open is dropped, logged and counted. */
  override handleMessage(
    channel: string,
    buffer: unknown,
    pub: Parameters<ServerRedis['handleMessage']>[2],
    pattern: string,
  ): Promise<unknown> {
    let packet: Partial<SealedPacket> | null = null;
    try {
      packet = JSON.parse(String(buffer)) as Partial<SealedPacket>;
    } catch {
      packet = null;
    }
    const id = typeof packet?.id === 'string' ? packet.id : undefined;
    const opened = this.sealing.seal.open(packet?.sealed, requestContext(channel, id));
    if (opened === null) {
      refusedRpc.inc({ kind: 'request' });
      this.log.warn({ channel }, 'RPC message refused: not sealed with INTERNAL_KEY');
      return Promise.resolve(undefined);
    }
    const { pattern: sentPattern, data } = JSON.parse(opened) as { pattern: unknown; data: unknown };
    const handle = () =>
      super.handleMessage(channel, JSON.stringify({ pattern: sentPattern, data, id }), pub, pattern);
    return id === undefined ? handle() : this.claim(pub, id).then((mine) => (mine ? handle() : undefined));
  }

  /**
   * Whether this replica answers the request: true for the first to claim its id. A claim Redis cannot take
   * (it is failing) counts as taken here: the request is answered, at worst by more than one replica.
   */
  private async claim(pub: Redis, id: string): Promise<boolean> {
    const key = `${this.namespace}:rpc-claim:${id}`;
    const mine = await pub.set(key, this.replica, 'PX', CLAIM_TTL_MS, 'NX').then(
      (ok) => ok !== null,
      () => true,
    );
    if (!mine) answeredElsewhere.inc();
    return mine;
  }
}

export class NamespacedRedisClient extends ClientRedis {
  constructor(options: RedisTransportOptions & { namespace: string; internalKey: string }) {
    super(options);
    const sealing = new RpcSeal(options.internalKey, options.namespace);
    const log = new Logger('RpcClient');
    // Requests and events: sealed, bound to the channel they go to and their id.
    this.serializer = {
      serialize(packet: { pattern: unknown; data: unknown; id?: string }): SealedPacket {
        const channel = namespaced(sealing.namespace, String(packet.pattern));
        const plain = JSON.stringify({ pattern: packet.pattern, data: packet.data });
        return { id: packet.id, sealed: sealing.seal.seal(plain, requestContext(channel, packet.id)) };
      },
    } satisfies Serializer;
    // Replies: one that does not open matches no waiting request (the real one may still come).
    this.deserializer = {
      deserialize(value: Partial<SealedPacket>): IncomingResponse {
        const id = typeof value?.id === 'string' ? value.id : '';
        const opened = sealing.seal.open(value?.sealed, replyContext(sealing.namespace, id));
        if (opened === null) {
          refusedRpc.inc({ kind: 'reply' });
          log.warn('RPC reply refused: not sealed with INTERNAL_KEY');
          return { id: '' } as IncomingResponse;
        }
        return { id, ...(JSON.parse(opened) as object) } as IncomingResponse;
      },
    } satisfies Deserializer;
  }

  protected override normalizePattern(pattern: Parameters<ClientRedis['normalizePattern']>[0]): string {
    return namespaced((this.options as { namespace: string }).namespace, super.normalizePattern(pattern));
  }
}

/**
 * Retries for both ends: Nest's Redis transport gives up reconnecting when `retryAttempts` is unset, and its
 * client then came back from a long Redis outage (15 s) without its reply subscriptions, timing out every RPC
 * until the process restarted (reliability scenario F4).
 */
export const RPC_RECONNECT = { retryAttempts: 1_000_000, retryDelay: 1000 } as const;

/** Options for `ClientsModule.register` / `ClientProxyFactory.create`: an RPC client in this namespace. */
export function rpcClientOptions(redisUrl: string, namespace: string, internalKey: string) {
  return {
    customClass: NamespacedRedisClient,
    options: { ...redisOptionsFromUrl(redisUrl), ...RPC_RECONNECT, namespace, internalKey },
  };
}

/** What a sealed request or event on `channel` says, or null when it was not sealed with this key. */
export function openRpcMessage(
  internalKey: string,
  channel: string,
  raw: string,
): { pattern: unknown; data: unknown } | null {
  const packet = JSON.parse(raw) as Partial<SealedPacket>;
  const opened = new RpcSeal(internalKey, '').seal.open(packet.sealed, requestContext(channel, packet.id));
  return opened === null ? null : (JSON.parse(opened) as { pattern: unknown; data: unknown });
}
