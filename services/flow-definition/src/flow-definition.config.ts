import { PlatformConfig, ToInt } from '@flowbridge/platform';
import { IsInt, Max, Min } from 'class-validator';

export class FlowDefinitionConfig extends PlatformConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  FLOW_DEFINITION_PORT = 3002;

  /** How long validation waits for the connections service to check a flow's APIs. */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(100)
  @Max(60_000)
  CONNECTIONS_RPC_TIMEOUT_MS = 5000;
}
