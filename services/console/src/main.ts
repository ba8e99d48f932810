import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { exitOnStartupError, loadConfig, LoggingModule } from '@flowbridge/platform';
import { Controller, type DynamicModule, Get, Logger as NestLogger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { serviceOfPath } from './api-routes';
import { ConsoleConfig } from './console.config';
import { sandboxProxy } from './sandbox-proxy';

const SERVICE_NAME = 'console';

@Controller('health')
class HealthController {
  @Get('live')
  live(): { status: string } {
    return { status: 'ok' };
  }

  /** Ready as soon as it listens: it holds nothing of its own (each API's own readiness is the service's). */
  @Get('ready')
  ready(): { status: string } {
    return { status: 'ok' };
  }
}

@Module({})
class ConsoleModule {
  static forRoot(config: ConsoleConfig): DynamicModule {
    return {
      module: ConsoleModule,
      imports: [LoggingModule.forRoot({ service: SERVICE_NAME, config })],
      controllers: [HealthController],
    };
  }
}

/**
 * The console: the built pages, and the four services' admin APIs behind one origin (`/api/<path>` goes to the
 * service that serves `<path>`, as the generated client routes it). It holds no state and no key: the browser
 * sends the admin key on each call, and each service checks it as for any client.
 */
async function main(): Promise<void> {
  const config = loadConfig(ConsoleConfig);
  const assets = config.CONSOLE_ASSETS_DIR ?? join(__dirname, '../../../console-web');
  if (!existsSync(join(assets, 'index.html')))
    throw new Error(`the console's pages are missing in ${assets}: run npm run build`);
  const app = await NestFactory.create<NestExpressApplication>(ConsoleModule.forRoot(config), {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'"],
          styleSrc: ["'self'", "'unsafe-inline'"],
          imgSrc: ["'self'", 'data:'],
          connectSrc: ["'self'"],
          frameAncestors: ["'none'"],
        },
      },
    }),
  );
  const origins = {
    connections: config.CONNECTIONS_URL,
    'flow-definition': config.FLOW_DEFINITION_URL,
    worker: config.WORKER_URL,
    'whatsapp-messaging': config.WHATSAPP_MESSAGING_URL,
  };
  app.use('/api', (req: Request, res: Response, next: NextFunction) => {
    if (serviceOfPath(req.url)) return next();
    res.status(404).json({ code: 'NOT_FOUND', message: `No admin route ${req.method} ${req.path}` });
  });
  app.use(
    '/api',
    createProxyMiddleware<Request, Response>({
      router: (req) => origins[serviceOfPath(req.url)!],
      changeOrigin: true,
      xfwd: true,
      on: {
        error: (_err, _req, res) => {
          const out = res as Response;
          if (!out.headersSent)
            out
              .status(503)
              .json({ code: 'SERVICE_UNAVAILABLE', message: 'That service is not answering; try again' });
        },
      },
    }),
  );
  app.use(
    '/sandbox',
    sandboxProxy({ sandboxUrl: config.SANDBOX_URL, flowDefinitionUrl: config.FLOW_DEFINITION_URL }),
  );
  app.useStaticAssets(assets, { index: 'index.html', maxAge: '1h' });
  // The pages route in the browser: any other GET is the console's page.
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' || req.path.startsWith('/api/') || req.path.startsWith('/sandbox/'))
      return next();
    res.sendFile(join(assets, 'index.html'));
  });
  await app.listen(config.CONSOLE_PORT, '0.0.0.0');
  new NestLogger('Lifecycle').log({ port: config.CONSOLE_PORT }, 'console listening');
}

main().catch((error: unknown) => exitOnStartupError(SERVICE_NAME, error));
