import { navigationQueue, QueueName, triggerQueue } from '@flowbridge/contracts';
import { ApiKeysService, redisOptionsFromUrl, settleWithin } from '@flowbridge/platform';
import { Injectable, type NestMiddleware, type OnApplicationShutdown } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { WorkerConfig } from '../worker.config';

export const DASHBOARD_PATH = '/queues';

/**
 * Bull Board at /queues: every trigger and navigation partition and the API-call queue, with their waiting,
 * delayed, active, completed and failed jobs. Behind an admin key: a browser is asked for it (HTTP Basic, the
 * key as the password, any user name); scripts may send it as a Bearer token.
 */
@Injectable()
export class QueueDashboard implements NestMiddleware, OnApplicationShutdown {
  private readonly connection: Redis;
  private readonly queues: Queue[];
  private readonly router: (req: Request, res: Response, next: NextFunction) => void;

  constructor(
    config: WorkerConfig,
    private readonly keys: ApiKeysService,
  ) {
    this.connection = new Redis({
      ...redisOptionsFromUrl(config.REDIS_URL),
      maxRetriesPerRequest: 1,
      connectionName: 'flowbridge-queue-dashboard',
    });
    this.connection.on('error', () => undefined);
    const names = [
      ...Array.from({ length: config.TRIGGER_PARTITIONS }, (_, p) => triggerQueue(p)),
      QueueName.FlowApiCalls,
      ...Array.from({ length: config.NAVIGATION_PARTITIONS }, (_, p) => navigationQueue(p)),
    ];
    this.queues = names.map(
      (name) => new Queue(name, { prefix: config.QUEUE_PREFIX, connection: this.connection }),
    );
    for (const queue of this.queues) queue.on('error', () => undefined);
    const server = new ExpressAdapter();
    server.setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: this.queues.map((q) => new BullMQAdapter(q)),
      serverAdapter: server,
      options: { uiConfig: { boardTitle: 'Flowbridge queues' } },
    });
    // An express Router (typed `any` by Bull Board).
    this.router = server.getRouter() as (req: Request, res: Response, next: NextFunction) => void;
  }

  async use(req: Request, res: Response, next: NextFunction): Promise<void> {
    const key = keyOf(req.headers.authorization);
    const principal = key ? await this.keys.verify(key) : null;
    if (!principal) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Basic realm="Flowbridge queues (password: an admin API key)"')
        .json({
          code: 'UNAUTHORIZED',
          message: 'An admin API key is required (as the Basic password or a Bearer token)',
        });
      return;
    }
    this.router(req, res, next);
  }

  async onApplicationShutdown(): Promise<void> {
    await settleWithin(Promise.all(this.queues.map((q) => q.close())), 2000);
    this.connection.disconnect();
  }
}

function keyOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bearer = /^Bearer\s+(\S{1,200})$/i.exec(header.trim());
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,400})$/i.exec(header.trim());
  if (!basic) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const password = decoded.slice(decoded.indexOf(':') + 1);
  return password.length > 0 && password.length <= 200 ? password : undefined;
}
