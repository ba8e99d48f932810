import { PlatformModule } from '@flowbridge/platform';
import { type DynamicModule, Module } from '@nestjs/common';
import type { FlowDefinitionConfig } from './flow-definition.config';

export const SERVICE_NAME = 'flow-definition';

/** A bootable shell for now: platform only (health, metrics, logs, admin keys). */
@Module({})
export class FlowDefinitionAppModule {
  static forRoot(config: FlowDefinitionConfig): DynamicModule {
    return {
      module: FlowDefinitionAppModule,
      imports: [PlatformModule.forRoot({ service: SERVICE_NAME, config, schema: 'flow_definition' })],
    };
  }
}
