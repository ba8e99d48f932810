import { flowDocumentJsonSchemas } from '@flowbridge/flow-engine';
import { flowBundleJsonSchema } from './flows/flow-bundle-schema';
import { FlowBundles } from './flows/flow-bundles';
import { FlowBundlesController } from './flows/flow-bundles.controller';
import {
  EVENTS_CLIENT,
  HintEmitter,
  internalKeyOf,
  PlatformModule,
  rpcClientOptions,
  TriggerProducer,
  type OpenApiInfo,
} from '@flowbridge/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import type { FlowDefinitionConfig } from './flow-definition.config';
import { FlowEntity } from './flows/flow.entity';
import { FlowsController } from './flows/flows.controller';
import { FlowsService } from './flows/flows.service';
import { FLOW_DEFINITION_SCHEMA } from './migrations';
import { FlowEvents } from './publishing/flow-events';
import { FlowVersionEntity } from './publishing/flow-version.entity';
import { FormsClient, MESSAGING_CLIENT } from './publishing/forms.client';
import { PublishService } from './publishing/publish.service';
import { VersionsController } from './publishing/versions.controller';
import { FlowsRpcController } from './rpc/flows-rpc.controller';
import { FlowsRpcService } from './rpc/flows-rpc.service';
import { RunsController } from './runs/runs.controller';
import { ChannelsClient } from './channels/channels.client';
import { RunsService } from './runs/runs.service';
import { CONNECTIONS_CLIENT, ConnectionsClient } from './validation/connections.client';
import { FlowValidator } from './validation/flow-validator';

export const SERVICE_NAME = 'flow-definition';

/** What its OpenAPI document says it is (`/docs`, `docs/openapi/`). */
export const OPENAPI: OpenApiInfo = {
  title: 'Flowbridge flow definition',
  description: 'Flows (drafts), publish as verification, versions, activation and the API trigger.',
  schemas: () => ({ ...flowDocumentJsonSchemas(), FlowBundle: flowBundleJsonSchema() }),
};
const ENTITIES = [FlowEntity, FlowVersionEntity];

@Module({})
export class FlowDefinitionAppModule {
  static forRoot(
    config: FlowDefinitionConfig,
    options: { logDestination?: DestinationStream } = {},
  ): DynamicModule {
    const rpc = rpcClientOptions(config.REDIS_URL, config.RPC_NAMESPACE, internalKeyOf(config));
    return {
      module: FlowDefinitionAppModule,
      imports: [
        PlatformModule.forRoot({
          service: SERVICE_NAME,
          config,
          schema: FLOW_DEFINITION_SCHEMA,
          entities: ENTITIES,
          logDestination: options.logDestination,
        }),
        TypeOrmModule.forFeature(ENTITIES),
        ClientsModule.register([
          { name: CONNECTIONS_CLIENT, ...rpc },
          { name: EVENTS_CLIENT, ...rpc },
          { name: MESSAGING_CLIENT, ...rpc },
        ]),
      ],
      controllers: [
        FlowsController,
        FlowBundlesController,
        VersionsController,
        RunsController,
        FlowsRpcController,
      ],
      providers: [
        FlowsService,
        PublishService,
        FlowsRpcService,
        RunsService,
        ChannelsClient,
        FlowValidator,
        ConnectionsClient,
        FlowBundles,
        FormsClient,
        HintEmitter,
        FlowEvents,
        TriggerProducer,
      ],
    };
  }
}
