import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { NextFunction, Request, Response } from 'express';
import { Histogram, register } from 'prom-client';
import { Public } from '../auth/public.decorator';

@ApiExcludeController()
@Public()
@Controller()
export class MetricsController extends PrometheusController {
  @Get()
  override async index(@Res({ passthrough: true }) response: Response): Promise<string> {
    return super.index(response);
  }
}

/** A metric registered once per process: a second app in the same process (as in tests) reuses it. */
export function metricOnce<T>(name: string, make: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? make();
}

/** `http_request_duration_seconds`: every HTTP answer, by method, route pattern and status. */
export function httpRequestTimer(): Histogram<'method' | 'route' | 'status'> {
  const name = 'http_request_duration_seconds';
  return metricOnce(
    name,
    () =>
      new Histogram({
        name,
        help: 'HTTP requests by method, matched route and status',
        labelNames: ['method', 'route', 'status'],
        buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      }),
  );
}

/** Records every request under its route pattern (`/connections/:id`), never the raw path (cardinality). */
export function httpMetricsMiddleware(): (req: Request, res: Response, next: NextFunction) => void {
  const histogram = httpRequestTimer();
  return (req, res, next) => {
    const end = histogram.startTimer();
    res.on('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path;
      end({
        method: req.method,
        route: route ? `${req.baseUrl}${route}` : 'unmatched',
        status: String(res.statusCode),
      });
    });
    next();
  };
}

/** Milliseconds since `began` (a `performance.now()`), to a tenth: the `durationMs` of a log line. */
export function elapsedMs(began: number): number {
  return Math.round((performance.now() - began) * 10) / 10;
}
