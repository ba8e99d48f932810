import type { Logger } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';

/**
 * Opens an RPC client's Redis connections when the service starts, not on its first use: Nest connects a client
 * lazily, inside whatever request first needs it, so its "Connected to Redis" lines were logged as part of that
 * admin request (and its connect time added to it). A Redis that is down now is connected to later, on use.
 */
export function connectEarly(client: ClientProxy, logger: Logger): void {
  client
    .connect()
    .catch((err: unknown) => logger.warn({ err }, 'RPC client not connected yet; it connects on first use'));
}
