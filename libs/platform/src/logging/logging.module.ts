import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { PlatformConfig } from '../config';
import { redactDeep, redactText } from './redact';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A request's id: the caller's `x-request-id` when it is a sane one, else a new one; echoed on the answer. */
export function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  res.setHeader('x-request-id', id);
  return id;
}

export interface LoggingOptions {
  service: string;
  config: Pick<PlatformConfig, 'LOG_LEVEL' | 'NODE_ENV'>;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** The pino options every logger of the platform uses, HTTP or not. */
export function pinoOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    formatters: {
      level: (label) => ({ level: label }),
      // Runs before serializers: req/res are left to the serializers below.
      log: (object) => {
        const { req, res, ...rest } = object;
        const clean = redactDeep(rest) as Record<string, unknown>;
        if (req !== undefined) clean.req = req;
        if (res !== undefined) clean.res = res;
        return clean;
      },
    },
    hooks: {
      logMethod(args, method) {
        const cleaned = args.map((arg: unknown) => (typeof arg === 'string' ? redactText(arg) : arg));
        return method.apply(this, cleaned as Parameters<typeof method>);
      },
    },
    serializers: {
      req: (req: IncomingMessage & { id?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactText(req.url ?? ''),
        userAgent: req.headers?.['user-agent'],
      }),
      res: (res: ServerResponse) => ({ statusCode: res.statusCode }),
    },
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'req.headers.cookie',
        'res.headers["set-cookie"]',
      ],
      censor: '[REDACTED]',
    },
  };
}

@Module({})
export class LoggingModule {
  static forRoot(options: LoggingOptions): DynamicModule {
    const base = pinoOptions(options.service, options.config.LOG_LEVEL);
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              ...base,
              genReqId: requestIdOf,
              customProps: (req) => {
                const principal = (req as { principal?: { workspaceId: string } }).principal;
                return principal ? { workspaceId: principal.workspaceId } : {};
              },
              customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : 'info'),
              autoLogging: {
                ignore: (req) =>
                  req.url === '/health/live' || req.url === '/health/ready' || req.url === '/metrics',
              },
            },
            options.destination ?? pino.destination({ dest: 1, sync: false }),
          ],
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
