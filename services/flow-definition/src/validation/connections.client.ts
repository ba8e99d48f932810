import { connectEarly } from '@flowbridge/platform';
import {
  type ApiCheckResult,
  type ConnectionsCheckApisResponse,
  type ExportApisRequest,
  type ExportApisResponse,
  type ImportApisRequest,
  type ImportApisResponse,
  RpcPattern,
} from '@flowbridge/contracts';
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
    const response = await this.send<ConnectionsCheckApisResponse>(RpcPattern.ConnectionsCheckApis, {
      workspaceId,
      apiIds,
    });
    if (!response.ok) throw new ConnectionsUnavailableError(response.message);
    return response.apis;
  }

  /** The APIs (by id) and their connections as a flow's export carries them: no secret. */
  async exportApis(request: ExportApisRequest): Promise<Extract<ExportApisResponse, { ok: true }>> {
    const response = await this.send<ExportApisResponse>(RpcPattern.ConnectionsExportApis, request);
    if (!response.ok) throw new ConnectionsUnavailableError(response.message);
    return response;
  }

  /** A bundle's connections and APIs matched or created there; its refusal lists every problem. */
  async importApis(
    request: ImportApisRequest,
  ): Promise<Exclude<ImportApisResponse, { code: 'INVALID_REQUEST' }>> {
    const response = await this.send<ImportApisResponse>(RpcPattern.ConnectionsImportApis, request);
    if (!response.ok && response.code === 'INVALID_REQUEST')
      throw new ConnectionsUnavailableError(response.message);
    return response;
  }

  private async send<T>(pattern: string, payload: object): Promise<T> {
    try {
      return await firstValueFrom(
        this.client.send<T>(pattern, payload).pipe(timeout(this.config.CONNECTIONS_RPC_TIMEOUT_MS)),
      );
    } catch (error) {
      throw new ConnectionsUnavailableError(
        `the connections service did not answer (${error instanceof Error ? error.message : 'no reply'})`,
      );
    }
  }

  onApplicationBootstrap(): void {
    connectEarly(this.client, this.logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}
