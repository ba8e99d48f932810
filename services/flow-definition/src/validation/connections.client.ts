import { connectEarly } from '@flowbridge/platform';
import { type ApiCheckResult, type ConnectionsCheckApisResponse, RpcPattern } from '@flowbridge/contracts';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { FlowDefinitionConfig } from '../flow-definition.config';

export const CONNECTIONS_CLIENT = Symbol('CONNECTIONS_CLIENT');

export class ConnectionsUnavailableError extends Error {}

/** Asks the connections service about the APIs a flow calls (RPC over Redis, with a timeout). */
@Injectable()
export class ConnectionsClient implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ConnectionsClient.name);

  constructor(
    @Inject(CONNECTIONS_CLIENT) private readonly client: ClientProxy,
    private readonly config: FlowDefinitionConfig,
  ) {}

  async checkApis(workspaceId: string, apiIds: string[]): Promise<Record<string, ApiCheckResult>> {
    let response: ConnectionsCheckApisResponse;
    try {
      response = await firstValueFrom(
        this.client
          .send<ConnectionsCheckApisResponse>(RpcPattern.ConnectionsCheckApis, { workspaceId, apiIds })
          .pipe(timeout(this.config.CONNECTIONS_RPC_TIMEOUT_MS)),
      );
    } catch (error) {
      throw new ConnectionsUnavailableError(
        `the connections service did not answer (${error instanceof Error ? error.message : 'no reply'})`,
      );
    }
    if (!response.ok) throw new ConnectionsUnavailableError(response.message);
    return response.apis;
  }

  onApplicationBootstrap(): void {
    connectEarly(this.client, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
