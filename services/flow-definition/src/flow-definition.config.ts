import { PlatformConfig, ToInt } from '@flowbridge/platform';
import { IsInt, Max, Min } from 'class-validator';

export class FlowDefinitionConfig extends PlatformConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  FLOW_DEFINITION_PORT = 3002;
}
