import {
  dataSourceOptions,
  type LeanRoute,
  PlatformModule,
  scopedDataSource,
  TriggerProducer,
  type OpenApiInfo,
} from '@flowbridge/platform';
import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import type { DataSourceOptions } from 'typeorm';
import { ChannelEntity } from './channels/channel.entity';
import { ChannelFlowKeys } from './channels/channel-flow-keys';
import { ChannelGenerations } from './channels/channel-generations';
import { ChannelsController } from './channels/channels.controller';
import { ChannelsService } from './channels/channels.service';
import { SendingChannels } from './channels/sending-channels';
import { FLOW_ENDPOINT_PATH, FlowEndpointController } from './flows-endpoint/flow-endpoint.controller';
import { CloudFlows } from './flows-endpoint/cloud-flows';
import { FormExchangeClient } from './flows-endpoint/form-exchange-client';
import { ChannelsRpcController } from './channels/channels-rpc.controller';
import { FormsRpcController } from './flows-endpoint/forms-rpc.controller';
import { PublishedForms } from './flows-endpoint/published-forms';
import { MessageLog } from './messages/message-log';
import { MessageEntity } from './messages/message.entity';
import { MessagesController } from './messages/messages.controller';
import { StatusEntity } from './messages/status.entity';
import { MESSAGING_SCHEMA } from './migrations';
import { GraphClient } from './sending/graph-client';
import { NavigationConsumer } from './sending/navigation.consumer';
import { SendRateLimiter } from './sending/rate-limiter';
import { SendAttempt } from './sending/send-attempt';
import { SendLane } from './sending/send-lane';
import { SendQueue } from './sending/send-queue';
import { SendScheduler } from './sending/send-scheduler';
import { InboundReplay } from './webhooks/inbound-replay';
import { WEBHOOK_DATA_SOURCE, WebhookIngest } from './webhooks/ingest.service';
import { WebhookChannels } from './webhooks/webhook-channels';
import { WebhookController } from './webhooks/webhook.controller';
import { webhookRoute } from './webhooks/webhook.route';
import { WebhookVerifier } from './webhooks/webhook-verifier';
import { webhookPoolSize, type WhatsappMessagingConfig } from './whatsapp-messaging.config';

export const SERVICE_NAME = 'whatsapp-messaging';

/** What its OpenAPI document says it is (`/docs`, `docs/openapi/`). */
export const OPENAPI: OpenApiInfo = {
  title: 'Flowbridge WhatsApp messaging',
  description: 'Channels (business numbers) and the conversation log. The webhook is for Meta.',
};

/**
 * The routes that take their bodies as bytes (the signatures cover them): the forms' data endpoint through
 * Express, and Meta's webhook POSTs in front of Express and Nest (`webhookRoute`).
 */
export function httpRoutes(config: WhatsappMessagingConfig): {
  rawBodyRoutes: Array<{ path: string; limitBytes: number }>;
  leanRoutes: (app: INestApplicationContext) => LeanRoute[];
} {
  return {
    // A screen's values, encrypted: far under this.
    rawBodyRoutes: [{ path: FLOW_ENDPOINT_PATH, limitBytes: 256 * 1024 }],
    leanRoutes: (app) => [webhookRoute(app.get(WebhookIngest), config.WEBHOOK_BODY_LIMIT_BYTES)],
  };
}
const ENTITIES = [ChannelEntity, MessageEntity, StatusEntity];

/** The WhatsApp edge: channels, Meta's webhooks in (as trigger events), navigations out, the conversation log. */
@Module({})
export class WhatsappMessagingAppModule {
  static forRoot(
    config: WhatsappMessagingConfig,
    options: { logDestination?: DestinationStream } = {},
  ): DynamicModule {
    return {
      module: WhatsappMessagingAppModule,
      imports: [
        PlatformModule.forRoot({
          service: SERVICE_NAME,
          config,
          schema: MESSAGING_SCHEMA,
          entities: ENTITIES,
          logDestination: options.logDestination,
        }),
        TypeOrmModule.forFeature(ENTITIES),
        // Meta's webhooks are written through connections of their own: the send lane's statements never make
        // a webhook wait for a connection, and these keep the scope they always run in (across workspaces), so
        // no statement of either side first has to set it again.
        TypeOrmModule.forRootAsync({
          name: WEBHOOK_DATA_SOURCE,
          useFactory: () => ({
            ...dataSourceOptions(
              { DATABASE_URL: config.DATABASE_URL, DATABASE_POOL_SIZE: webhookPoolSize(config) },
              { service: `${SERVICE_NAME}-webhooks`, schema: MESSAGING_SCHEMA, entities: [] },
            ),
            retryAttempts: 3,
            retryDelay: 1000,
          }),
          dataSourceFactory: (dataSource) => scopedDataSource(dataSource as DataSourceOptions),
        }),
      ],
      controllers: [
        ChannelsController,
        MessagesController,
        WebhookController,
        FlowEndpointController,
        FormsRpcController,
        ChannelsRpcController,
      ],
      providers: [
        ChannelsService,
        ChannelFlowKeys,
        ChannelGenerations,
        MessageLog,
        WebhookChannels,
        WebhookVerifier,
        WebhookIngest,
        InboundReplay,
        TriggerProducer,
        GraphClient,
        SendRateLimiter,
        SendQueue,
        SendingChannels,
        SendAttempt,
        SendLane,
        SendScheduler,
        NavigationConsumer,
        FormExchangeClient,
        CloudFlows,
        PublishedForms,
      ],
    };
  }
}
