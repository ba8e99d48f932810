import { PlatformConfig, ToInt } from '@flowbridge/platform';
import { IsInt, Max, Min } from 'class-validator';

export class WorkerConfig extends PlatformConfig {
  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  WORKER_PORT = 3003;
}
