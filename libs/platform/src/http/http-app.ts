import { Logger as NestLogger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { openApiDocument, type OpenApiInfo } from './openapi';
import { createHash, timingSafeEqual } from 'node:crypto';
import { raw } from 'body-parser';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { PlatformConfig } from '../config';
import { CommonErrorCode, createValidationPipe, ErrorFilter, toErrorResponse } from '../errors';
import { httpMetricsMiddleware } from '../metrics';

export interface HttpAppOptions {
  config: PlatformConfig;
  /** Routes whose handlers need the exact bytes (e.g. to check a signature): `req.body` is a Buffer there. */
  rawBodyRoutes?: Array<{ path: string; limitBytes: number }>;
  swagger?: OpenApiInfo;
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

/** Pages that are not API answers: Swagger UI and the queue dashboard may be cached and framed by nobody else. */
const UI_PATHS = /^\/(docs|queues)(\/|$|-json)/;

/**
 * Security headers on every answer (helmet: nosniff, frame and referrer policies, HSTS; no CSP, since the
 * API answers JSON and Swagger UI and Bull Board ship inline code), and no caching of API answers, which
 * may carry masked secrets or a contact's data.
 */
function securityHeaders(): Array<(req: Request, res: Response, next: NextFunction) => void> {
  return [
    helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false }),
    (req, res, next) => {
      if (!UI_PATHS.test(req.path)) res.setHeader('Cache-Control', 'no-store');
      next();
    },
  ];
}

/** `/metrics` behind METRICS_TOKEN (as a Bearer token) when one is set; open otherwise. */
function metricsToken(token: string): (req: Request, res: Response, next: NextFunction) => void {
  const expected = createHash('sha256').update(token).digest();
  return (req, res, next) => {
    const given = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    if (timingSafeEqual(createHash('sha256').update(given).digest(), expected)) return next();
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="metrics"')
      .json({ code: CommonErrorCode.Unauthorized, message: 'METRICS_TOKEN is required as a Bearer token' });
  };
}

function trustProxy(setting: string): boolean | number | string {
  if (setting === 'false' || setting === 'true') return setting === 'true';
  return /^\d+$/.test(setting) ? Number(setting) : setting;
}

/** Everything an HTTP service sets up before it listens. Tests call it too, so they see what production does. */
export function configureHttpApp(app: NestExpressApplication, options: HttpAppOptions): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.disable('x-powered-by');
  app.set('trust proxy', trustProxy(options.config.TRUST_PROXY));
  app.use(...securityHeaders());
  if (options.config.METRICS_TOKEN) app.use('/metrics', metricsToken(options.config.METRICS_TOKEN));
  app.use(httpMetricsMiddleware());
  app.use(requireJson);
  for (const route of options.rawBodyRoutes ?? [])
    app.use(route.path, raw({ type: () => true, limit: route.limitBytes }));
  app.useBodyParser('json', { limit: options.config.HTTP_BODY_LIMIT_BYTES });
  app.use(bodyErrors);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ErrorFilter());

  if (options.swagger) {
    const document = openApiDocument(app, options.swagger);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }
  new NestLogger('Http').debug('HTTP app configured');
}
