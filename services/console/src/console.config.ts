import { LOG_LEVELS, NODE_ENVS, ToInt } from '@flowbridge/platform';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Max, Min } from 'class-validator';

/** A service's base URL. */
const ServiceUrl = (): PropertyDecorator =>
  IsUrl({ require_tld: false, protocols: ['http', 'https'] }, { message: 'must be an http(s) URL' });

/** The console: where it listens, and where the four services' admin APIs are (it puts them behind /api). */
export class ConsoleConfig {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @ToInt()
  @IsInt({ message: 'must be a port number' })
  @Min(0)
  @Max(65535)
  CONSOLE_PORT = 3005;

  @ServiceUrl()
  CONNECTIONS_URL = 'http://127.0.0.1:3001';

  @ServiceUrl()
  FLOW_DEFINITION_URL = 'http://127.0.0.1:3002';

  @ServiceUrl()
  WORKER_URL = 'http://127.0.0.1:3003';

  @ServiceUrl()
  WHATSAPP_MESSAGING_URL = 'http://127.0.0.1:3004';

  /** The WhatsApp sandbox (development only): with it, the Flow Builder's chat test talks to flows as a contact. */
  @IsOptional()
  @ServiceUrl()
  SANDBOX_URL?: string;

  /** The built pages (`npm run build` puts them in dist/console-web). */
  @IsOptional()
  @IsString()
  CONSOLE_ASSETS_DIR?: string;
}
