import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { Logger } from '@nestjs/common';
import { raw } from 'body-parser';
import helmet from 'helmet';
import { AppError, CommonErrorCode, toErrorResponse } from '../errors';
import { requestIdOf } from '../logging';
import { httpRequestTimer } from '../metrics';

/**
 * A route answered by a plain `node:http` handler in front of Express and Nest. For an endpoint hit once per
 * event at scale that needs none of the framework — no principal, no DTO, no guard — such as Meta's webhook
 * POSTs: Express's router, Nest's pipeline and the per-request logger cost more CPU than the handler's own work.
 * What every answer of the platform carries is kept: the security headers and `no-store`, the request id, the
 * `{ code, message, field? }` error shape, the body limit, the `http_request_duration_seconds` histogram and an
 * access-log line.
 */
export interface LeanRoute {
  method: 'POST';
  /** Matched exactly (a trailing slash and letter case aside, as Express matches), without the query. */
  path: string;
  /** A larger body is refused with 413 before it is read in full. */
  limitBytes: number;
  /** The JSON body of a 200, from the raw body bytes; throws what `toErrorResponse` answers. */
  handle(body: Buffer, req: IncomingMessage): Promise<unknown>;
  /** The access line's level for a status; by default info, and error from 500. */
  logLevel?: (status: number) => 'debug' | 'info' | 'error';
}

const logger = new Logger('Http');

/**
 * Puts `routes` in front of whatever already answers `server`'s requests (Express, for a Nest app): a request
 * for one of them never reaches the framework; every other request goes on as before.
 */
export function mountLeanRoutes(server: Server, routes: LeanRoute[]): void {
  if (routes.length === 0) return;
  const framework = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const served = routes.map((route) => ({ route, answer: answerer(route) }));
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = served.find(({ route }) => matches(route, req));
    if (match)
      // The answerer answers every error it can; one it cannot (a bug of its own) drops the connection.
      return void match.answer(req, res).catch((error: unknown) => {
        logger.error({ err: error }, 'request failed before it could be answered');
        res.destroy();
      });
    for (const listener of framework) listener.call(server, req, res);
  });
}

function matches(route: LeanRoute, req: IncomingMessage): boolean {
  if (req.method !== route.method) return false;
  const url = req.url ?? '';
  const query = url.indexOf('?');
  const path = (query === -1 ? url : url.slice(0, query)).replace(/(.)\/$/, '$1');
  return path.length === route.path.length && path.toLowerCase() === route.path.toLowerCase();
}

function answerer(route: LeanRoute): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  // The same helmet the framework's answers get (no CSP: the answers are JSON).
  const headers = helmet({ contentSecurityPolicy: false, crossOriginEmbedderPolicy: false });
  const readBody = raw({ type: () => true, limit: route.limitBytes });
  const timer = httpRequestTimer();
  const level = route.logLevel ?? ((status: number) => (status >= 500 ? 'error' : 'info'));
  return async (req, res) => {
    const began = performance.now();
    const end = timer.startTimer();
    (req as { id?: string }).id = requestIdOf(req, res);
    headers(req, res, () => undefined);
    res.setHeader('Cache-Control', 'no-store');
    let failure: unknown;
    try {
      if (!isJson(req)) throw unsupportedMediaType();
      const body = await new Promise<Buffer>((resolve, reject) =>
        // body-parser's errors are http-errors (413 `entity.too.large`, `request.aborted`, …).
        readBody(req, res, (error?: Error) =>
          error ? reject(error) : resolve((req as { body?: unknown }).body as Buffer),
        ),
      );
      send(res, 200, await route.handle(Buffer.isBuffer(body) ? body : Buffer.alloc(0), req));
    } catch (error) {
      failure = error;
      const { status, body } = toErrorResponse(error);
      send(res, status, body);
    }
    end({ method: route.method, route: route.path, status: String(res.statusCode) });
    const line = { req, res, responseTime: Math.round(performance.now() - began) };
    const lineLevel = level(res.statusCode);
    if (lineLevel === 'error') logger.error({ ...line, err: failure }, 'request errored');
    else if (lineLevel === 'info') logger.log(line, 'request completed');
    else logger.debug(line, 'request completed');
  };
}

/** A body, when there is one, must be JSON (as on every route of the platform's APIs). */
function isJson(req: IncomingMessage): boolean {
  const hasBody =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return !hasBody || /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

function unsupportedMediaType(): AppError {
  return new AppError(
    CommonErrorCode.UnsupportedMediaType,
    'Send the body as application/json',
    415,
    'content-type',
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}
