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

  /**
   * How long publishing a flow with forms waits for the messaging service to make them Flows on the Cloud
   * API (three Graph calls per form and channel).
   */
  @ToInt()
  @IsInt({ message: 'must be an integer number of milliseconds' })
  @Min(1000)
  @Max(300_000)
  MESSAGING_RPC_TIMEOUT_MS = 60_000;
}
