import { OutboundModule, type RequestEngineOptions } from '@flowbridge/outbound';
import { internalKeyOf, PlatformModule, rpcClientOptions, type OpenApiInfo } from '@flowbridge/platform';
import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DestinationStream } from 'pino';
import { ActiveTriggers } from './clients/active-triggers';
import { RPC_CLIENT, RpcClients } from './clients/rpc.clients';
import { DASHBOARD_PATH, QueueDashboard, QueueMonitor } from './dashboard/queue-dashboard';
import { FormDecisions } from './forms/form-decisions';
import { FormExchanges } from './forms/form-exchanges';
import { WORKER_SCHEMA } from './migrations';
import { AbandonedSteps } from './pipeline/abandoned-steps';
import { ApiAttempt } from './pipeline/api-attempt';
import { ApiSteps } from './pipeline/api-steps';
import { CallSlots } from './pipeline/call-slots';
import { BatchApplier } from './pipeline/batch-applier';
import { ContactDrainer } from './pipeline/contact-drainer';
import { InlineAttempts } from './pipeline/inline-attempts';
import { FailedApiCalls } from './pipeline/failed-api-calls';
import { ExpirySweeper } from './pipeline/expiry.sweeper';
import { PendingSweeper } from './pipeline/pending.sweeper';
import { Outbox } from './pipeline/outbox.service';
import { OutboxSweeper } from './pipeline/outbox.sweeper';
import { Processors } from './pipeline/processors';
import { RunApplier } from './pipeline/run-applier';
import { RunStarter } from './pipeline/run-starter';
import { RunStepper } from './pipeline/run-stepper';
import { CallLogEntity } from './runs/call-log.entity';
import { RunStepEntity } from './runs/run-step.entity';
import { RunEntity } from './runs/run.entity';
import { RunsController } from './runs/runs.controller';
import type { WorkerConfig } from './worker.config';

export const SERVICE_NAME = 'worker';

/** What its OpenAPI document says it is (`/docs`, `docs/openapi/`). */
export const OPENAPI: OpenApiInfo = {
  title: 'Flowbridge worker',
  description: 'Runs and their call logs (read-only): "verify API request execution".',
};
const ENTITIES = [RunEntity, CallLogEntity, RunStepEntity];

@Module({})
export class WorkerAppModule implements NestModule {
  static forRoot(
    config: WorkerConfig,
    options: { logDestination?: DestinationStream; outbound?: Partial<RequestEngineOptions> } = {},
  ): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [
        PlatformModule.forRoot({
          service: SERVICE_NAME,
          config,
          schema: WORKER_SCHEMA,
          entities: ENTITIES,
          logDestination: options.logDestination,
        }),
        TypeOrmModule.forFeature(ENTITIES),
        OutboundModule.forRoot(options.outbound),
        ClientsModule.register([
          {
            name: RPC_CLIENT,
            ...rpcClientOptions(config.REDIS_URL, config.RPC_NAMESPACE, internalKeyOf(config)),
          },
        ]),
      ],
      controllers: [RunsController],
      providers: [
        RpcClients,
        ActiveTriggers,
        RunStepper,
        RunStarter,
        RunApplier,
        CallSlots,
        BatchApplier,
        ContactDrainer,
        InlineAttempts,
        ApiAttempt,
        ApiSteps,
        AbandonedSteps,
        Outbox,
        OutboxSweeper,
        FormDecisions,
        FormExchanges,
        Processors,
        FailedApiCalls,
        ExpirySweeper,
        PendingSweeper,
        QueueMonitor,
      ],
    };
  }

  /** Bull Board, for operators only (see QueueDashboard). */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(QueueDashboard).forRoutes(DASHBOARD_PATH, `${DASHBOARD_PATH}/*path`);
  }
}
