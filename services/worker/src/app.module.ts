import { PlatformModule } from '@flowbridge/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { WorkerConfig } from './worker.config';

export const SERVICE_NAME = 'worker';

/** A bootable shell for now: platform only (health, metrics, logs, admin keys). */
@Module({})
export class WorkerAppModule {
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerAppModule,
      imports: [PlatformModule.forRoot({ service: SERVICE_NAME, config, schema: 'worker' })],
    };
  }
}
