import { ClientRedis, type RedisOptions, ServerRedis } from '@nestjs/microservices';
import { redisOptionsFromUrl } from './redis-options';

type RedisTransportOptions = NonNullable<RedisOptions['options']>;

// Redis pub/sub channels are global to a Redis server (database numbers do not separate them): two
// deployments, or two test runs, sharing one Redis would answer each other's RPCs and hear each other's
// events. Every pattern, on both sides, is routed as `<RPC_NAMESPACE>:<pattern>`; replies follow
// (`<namespace>:<pattern>.reply`). Nest routes by the normalised pattern, so this is the one hook needed.

function namespaced(namespace: string, route: string): string {
  const prefix = `${namespace}:`;
  return route.startsWith(prefix) ? route : `${prefix}${route}`;
}

export class NamespacedRedisServer extends ServerRedis {
  constructor(
    options: RedisTransportOptions,
    private readonly namespace: string,
  ) {
    super(options);
  }

  override normalizePattern(pattern: Parameters<ServerRedis['normalizePattern']>[0]): string {
    return namespaced(this.namespace, super.normalizePattern(pattern));
  }
}

export class NamespacedRedisClient extends ClientRedis {
  constructor(options: RedisTransportOptions & { namespace: string }) {
    super(options);
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
export function rpcClientOptions(redisUrl: string, namespace: string) {
  return {
    customClass: NamespacedRedisClient,
    options: { ...redisOptionsFromUrl(redisUrl), ...RPC_RECONNECT, namespace },
  };
}
