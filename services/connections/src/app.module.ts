import { OutboundModule, type RequestEngineOptions } from '@flowbridge/outbound';
import {
  EVENTS_CLIENT,
  HintEmitter,
  internalKeyOf,
  PlatformModule,
  rpcClientOptions,
  type OpenApiInfo,
} from '@flowbridge/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import { ApiEntity } from './apis/api.entity';
import { ApisController } from './apis/apis.controller';
import { ApisService } from './apis/apis.service';
import { ConnectionEntity } from './connections/connection.entity';
import { ConnectionsController } from './connections/connections.controller';
import { ConnectionsService } from './connections/connections.service';
import { ConnectionsConfig } from './connections.config';
import { ChangeEvents } from './events/change-events';
import { CONNECTIONS_SCHEMA } from './migrations';
import { ProbeController } from './probe/probe.controller';
import { ProbeService } from './probe/probe.service';
import { ResolveController } from './rpc/resolve.controller';
import { BundlesService } from './rpc/bundles.service';
import { CheckApisService } from './rpc/check-apis.service';
import { ResolveService } from './rpc/resolve.service';
import { SecretsService } from './secrets/secrets.service';

export const SERVICE_NAME = 'connections';

/** What its OpenAPI document says it is (`/docs`, `docs/openapi/`). */
export const OPENAPI: OpenApiInfo = {
  title: 'Flowbridge connections',
  description: 'API connections and the APIs (requests) flows call through them.',
};
const ENTITIES = [ConnectionEntity, ApiEntity];

@Module({})
export class ConnectionsAppModule {
  static forRoot(
    config: ConnectionsConfig,
    options: {
      logDestination?: DestinationStream;
      /** Test seams of the request engine (injected resolver and agents). */
      outbound?: Partial<RequestEngineOptions>;
    } = {},
  ): DynamicModule {
    return {
      module: ConnectionsAppModule,
      imports: [
        PlatformModule.forRoot({
          service: SERVICE_NAME,
          config,
          schema: CONNECTIONS_SCHEMA,
          entities: ENTITIES,
          logDestination: options.logDestination,
        }),
        TypeOrmModule.forFeature(ENTITIES),
        OutboundModule.forRoot(options.outbound),
        ClientsModule.register([
          {
            name: EVENTS_CLIENT,
            ...rpcClientOptions(config.REDIS_URL, config.RPC_NAMESPACE, internalKeyOf(config)),
          },
        ]),
      ],
      controllers: [ConnectionsController, ApisController, ProbeController, ResolveController],
      providers: [
        ConnectionsService,
        ApisService,
        ResolveService,
        SecretsService,
        HintEmitter,
        ChangeEvents,
        ProbeService,
        CheckApisService,
        BundlesService,
      ],
    };
  }
}
