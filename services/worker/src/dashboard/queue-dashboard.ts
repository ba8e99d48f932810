import { navigationQueue, QueueName, triggerQueue } from '@flowbridge/contracts';
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { metricOnce, Periodic, redisOptionsFromUrl, settleWithin } from '@flowbridge/platform';
import {
  Injectable,
  type NestMiddleware,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { WorkerConfig } from '../worker.config';

export const DASHBOARD_PATH = '/queues';

/** The monitors of this process (tests run several apps in one). */
const watched = new Set<QueueMonitor>();
const STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/** Takes the lease, or keeps it when this replica holds it; 1 when it holds it now. */
const CLAIM = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * `flowbridge_queue_jobs{queue,state}`: jobs per queue and state, read from Redis when Prometheus scrapes.
 * Queue-wide numbers, so one worker of the deployment reports them: the one holding the queue-metrics lease
 * in Redis (QUEUE_METRICS_LEASE_MS, renewed at a third of it; another takes over when it stops). The others
 * report none and cost Redis nothing on a scrape. The worker autoscaler (deploy/k8s) scales on waiting +
 * delayed, `max by (queue, state)` across pods.
 */
metricOnce(
  'flowbridge_queue_jobs',
  () =>
    new Gauge({
      name: 'flowbridge_queue_jobs',
      help: 'Jobs per queue and state (waiting, delayed, active, failed), queue-wide',
      labelNames: ['queue', 'state'],
      async collect() {
        this.reset();
        for (const monitor of watched) {
          if (!monitor.reportsQueueDepth) continue;
          for (const queue of monitor.queues) {
            const counts = await queue.getJobCounts(...STATES).catch(() => null);
            if (counts)
              for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
          }
        }
      },
    }),
);

type Handler = (req: Request, res: Response, next: NextFunction) => void;

/**
 * Every trigger and navigation partition and the API-call queue, watched: Bull Board's router over them
 * (their waiting, delayed, active, completed and failed jobs) and the queue-depth gauge.
 */
@Injectable()
export class QueueMonitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly connection: Redis;
  readonly queues: Queue[];
  readonly router: Handler;
  /** This replica holds the queue-metrics lease: it alone reports flowbridge_queue_jobs. */
  reportsQueueDepth = false;
  private readonly replica = randomUUID();
  private readonly leaseKey: string;
  private renewal?: Periodic;

  constructor(private readonly config: WorkerConfig) {
    this.leaseKey = `${config.QUEUE_PREFIX}:queue-metrics:lease`;
    this.connection = new Redis({
      ...redisOptionsFromUrl(config.REDIS_URL),
      maxRetriesPerRequest: 1,
      connectionName: 'flowbridge-queue-dashboard',
    });
    this.connection.on('error', () => undefined);
    const names = [
      ...Array.from({ length: config.TRIGGER_PARTITIONS }, (_, p) => triggerQueue(p)),
      QueueName.FlowApiCalls,
      QueueName.FormExchanges,
      ...Array.from({ length: config.NAVIGATION_PARTITIONS }, (_, p) => navigationQueue(p)),
    ];
    this.queues = names.map(
      (name) => new Queue(name, { prefix: config.QUEUE_PREFIX, connection: this.connection }),
    );
    for (const queue of this.queues) queue.on('error', () => undefined);
    watched.add(this);
    const server = new ExpressAdapter();
    server.setBasePath(DASHBOARD_PATH);
    const readOnlyMode = !config.QUEUE_DASHBOARD_WRITE;
    createBullBoard({
      queues: this.queues.map((q) => new BullMQAdapter(q, { readOnlyMode })),
      serverAdapter: server,
      options: { uiConfig: { boardTitle: 'Flowbridge queues' } },
    });
    // An express Router (typed `any` by Bull Board).
    this.router = server.getRouter() as Handler;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.claim();
    // A failed claim reports nothing (claim), so there is no error to report here.
    this.renewal = new Periodic(
      () => this.claim(),
      this.config.QUEUE_METRICS_LEASE_MS / 3,
      () => undefined,
    );
    this.renewal.start();
  }

  /** Takes or keeps the lease; Redis away: reports nothing until it answers again (another may hold it). */
  private async claim(): Promise<void> {
    const held = await this.connection
      .eval(CLAIM, 1, this.leaseKey, this.replica, this.config.QUEUE_METRICS_LEASE_MS)
      .catch(() => 0);
    this.reportsQueueDepth = held === 1;
  }

  async onApplicationShutdown(): Promise<void> {
    this.renewal?.stop();
    watched.delete(this);
    // Handed over at once rather than when the lease runs out.
    if (this.reportsQueueDepth)
      await this.connection.eval(RELEASE, 1, this.leaseKey, this.replica).catch(() => undefined);
    this.reportsQueueDepth = false;
    await settleWithin(Promise.all(this.queues.map((q) => q.close())), 2000);
    this.connection.disconnect();
  }
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/**
 * Bull Board at /queues, for operators only: it shows every workspace's jobs, so it takes OPERATOR_API_KEY
 * (HTTP Basic with the key as the password and any user name, or a Bearer token), never a workspace's admin
 * key. Read-only unless QUEUE_DASHBOARD_WRITE: besides Bull Board's own read-only mode, every request that is
 * not a read is refused here, whatever route a later Bull Board adds.
 */
@Injectable()
export class QueueDashboard implements NestMiddleware {
  private readonly operatorKey?: Buffer;

  constructor(
    private readonly monitor: QueueMonitor,
    private readonly config: WorkerConfig,
  ) {
    if (config.OPERATOR_API_KEY) this.operatorKey = digest(config.OPERATOR_API_KEY);
  }

  use(req: Request, res: Response, next: NextFunction): void {
    const key = keyOf(req.headers.authorization);
    if (!this.operatorKey || !key || !timingSafeEqual(digest(key), this.operatorKey)) {
      res
        .status(401)
        .set('WWW-Authenticate', 'Basic realm="Flowbridge queues (password: the operator key)"')
        .json({
          code: 'UNAUTHORIZED',
          message: this.operatorKey
            ? 'The operator key (OPERATOR_API_KEY) is required, as the Basic password or a Bearer token'
            : 'The queue dashboard is closed: set OPERATOR_API_KEY to open it to operators',
        });
      return;
    }
    if (!READ_METHODS.has(req.method) && !this.config.QUEUE_DASHBOARD_WRITE) {
      res.status(405).set('Allow', 'GET, HEAD').json({
        code: 'DASHBOARD_READ_ONLY',
        message: 'The queue dashboard is read-only; set QUEUE_DASHBOARD_WRITE=true to allow its actions',
      });
      return;
    }
    this.monitor.router(req, res, next);
  }
}

/** Fixed-length digests, so that keys of any length compare in constant time. */
function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
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
