import { Logger as NestLogger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { raw } from 'body-parser';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import type { PlatformConfig } from '../config';
import { CommonErrorCode, createValidationPipe, ErrorFilter, toErrorResponse } from '../errors';
import { httpMetricsMiddleware } from '../metrics';

export interface HttpAppOptions {
  config: PlatformConfig;
  /** Routes whose handlers need the exact bytes (e.g. to check a signature): `req.body` is a Buffer there. */
  rawBodyRoutes?: Array<{ path: string; limitBytes: number }>;
  swagger?: { title: string; description: string; version?: string };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** Admin routes speak JSON only; anything else is refused before it is parsed. */
function requireJson(req: Request, res: Response, next: NextFunction): void {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (BODY_METHODS.has(req.method) && hasBody && !req.is('application/json')) {
    res.status(415).json({
      code: CommonErrorCode.UnsupportedMediaType,
      message: 'Send the body as application/json',
      field: 'content-type',
    });
    return;
  }
  next();
}

/** body-parser reports malformed and oversized bodies through Express; give them our error shape. */
function bodyErrors(err: unknown, _req: Request, res: Response, next: NextFunction): void {
  if (res.headersSent) return next(err);
  const { status, body } = toErrorResponse(err);
  res.status(status).json(body);
}

/** Everything an HTTP service sets up before it listens. Tests call it too, so they see what production does. */
export function configureHttpApp(app: NestExpressApplication, options: HttpAppOptions): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.disable('x-powered-by');
  app.use(httpMetricsMiddleware());
  app.use(requireJson);
  for (const route of options.rawBodyRoutes ?? [])
    app.use(route.path, raw({ type: () => true, limit: route.limitBytes }));
  app.useBodyParser('json', { limit: options.config.HTTP_BODY_LIMIT_BYTES });
  app.use(bodyErrors);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());

  if (options.swagger) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(options.swagger.title)
        .setDescription(options.swagger.description)
        .setVersion(options.swagger.version ?? '1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An admin API key of one workspace' })
        .addSecurityRequirements('bearer')
        .build(),
    );
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }
  new NestLogger('Http').debug('HTTP app configured');
}
