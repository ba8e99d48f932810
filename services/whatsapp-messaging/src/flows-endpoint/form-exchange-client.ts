import { randomUUID } from 'node:crypto';
import {
  errorOnScreen,
  type FormAnswerMessage,
  formAnswerChannel,
  formExchangeContext,
  type FormExchangeJob,
  FormExchangeJobName,
  FormMessages,
  QueueName,
  readFormExchangeAnswer,
} from '@flowbridge/contracts';
import {
  InternalSeal,
  internalKeyOf,
  JobAuth,
  metricOnce,
  ProducerQueues,
  purposeKey,
  redisOptionsFromUrl,
} from '@flowbridge/platform';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import { Counter } from 'prom-client';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import type { FlowExchange, FlowExchangeAnswer } from './flow-endpoint';

export const flowEndpointDeadlineMisses = metricOnce(
  'flowbridge_flow_endpoint_deadline_misses_total',
  () =>
    new Counter({
      name: 'flowbridge_flow_endpoint_deadline_misses_total',
      help: 'Flows screen requests answered without the worker (no answer in FLOW_ENDPOINT_WAIT_MS, or the queue unreachable)',
      labelNames: ['reason'],
    }),
);

interface Waiting {
  resolve: (answer: FlowExchangeAnswer) => void;
  timer: NodeJS.Timeout;
}

/**
 * Hands a screen request to the worker and waits for its answer. The request is a job on the worker's
 * `flow-form-exchanges` queue naming this replica's answer channel; the worker publishes the answer there,
 * keyed by the request id, so it reaches the replica holding WhatsApp's HTTP request however many there are.
 * The person's values and the answer are sealed (INTERNAL_KEY). With no answer by FLOW_ENDPOINT_WAIT_MS the
 * request is answered here: an error on the person's screen, or, for a form opening, the form closed.
 */
@Injectable()
export class FormExchangeClient implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(FormExchangeClient.name);
  private readonly replyTo: string;
  private readonly waiting = new Map<string, Waiting>();
  private readonly seal: InternalSeal;
  private readonly auth: JobAuth;
  private readonly queues: ProducerQueues;
  private readonly subscriber: Redis;

  constructor(private readonly config: WhatsappMessagingConfig) {
    this.replyTo = formAnswerChannel(config.QUEUE_PREFIX, randomUUID());
    this.seal = new InternalSeal(purposeKey(internalKeyOf(config), 'form-exchanges'));
    this.auth = new JobAuth(internalKeyOf(config));
    this.queues = new ProducerQueues(config.REDIS_URL, config.QUEUE_PREFIX, 'flowbridge-form-exchanges');
    this.subscriber = new Redis({
      ...redisOptionsFromUrl(config.REDIS_URL),
      lazyConnect: true,
      connectionName: 'flowbridge-form-answers',
    });
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, raw: string) => this.answered(raw));
  }

  onApplicationBootstrap(): void {
    // Queued until Redis answers (a replica started while Redis is down subscribes when it comes), and made
    // again by ioredis after every reconnect. Until then `ask` answers without the worker.
    this.subscriber
      .subscribe(this.replyTo)
      .catch((err: unknown) => this.logger.warn({ err }, 'form answers channel not subscribed'));
  }

  async ask(exchange: FlowExchange): Promise<FlowExchangeAnswer> {
    const requestId = randomUUID();
    const receivedAt = Date.now();
    const job: FormExchangeJob = {
      version: 1,
      requestId,
      replyTo: this.replyTo,
      workspaceId: exchange.claims.workspaceId,
      channelId: exchange.channelId,
      runId: exchange.claims.runId,
      formId: exchange.claims.formId,
      navigationId: exchange.claims.navigationId,
      action: exchange.action,
      screen: exchange.screen,
      sealedData: this.seal.seal(JSON.stringify(exchange.data), formExchangeContext.request(requestId)),
      receivedAt,
      holdUntil: receivedAt + this.config.FLOW_ENDPOINT_WAIT_MS,
    };
    const answer = new Promise<FlowExchangeAnswer>((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(requestId);
        flowEndpointDeadlineMisses.inc({ reason: 'no_answer' });
        this.logger.warn({ requestId, runId: job.runId }, 'no answer from the worker in time');
        resolve(errorOnScreen(exchange, FormMessages.late));
      }, this.config.FLOW_ENDPOINT_WAIT_MS);
      this.waiting.set(requestId, { resolve, timer });
    });
    try {
      if (this.subscriber.status !== 'ready') throw new Error('the answers channel is not connected');
      await this.queues.ready();
      await this.queues
        .get(QueueName.FormExchanges)
        .add(
          FormExchangeJobName,
          this.auth.sign(QueueName.FormExchanges, FormExchangeJobName, requestId, job),
          {
            jobId: requestId,
            attempts: 1,
            removeOnComplete: true,
            removeOnFail: { age: 3600 },
          },
        );
    } catch (err) {
      this.logger.warn({ err, requestId }, 'form request not queued; answered without the worker');
      flowEndpointDeadlineMisses.inc({ reason: 'unqueued' });
      this.settle(requestId, errorOnScreen(exchange, FormMessages.late));
    }
    return answer;
  }

  private answered(raw: string): void {
    let message: FormAnswerMessage;
    try {
      message = JSON.parse(raw) as FormAnswerMessage;
    } catch {
      return;
    }
    if (typeof message?.requestId !== 'string' || !this.waiting.has(message.requestId)) return; // too late
    const opened = this.seal.open(message.sealed, formExchangeContext.answer(message.requestId));
    const answer = opened === null ? null : readFormExchangeAnswer(JSON.parse(opened));
    if (!answer) {
      this.logger.error({ requestId: message.requestId }, 'a form answer that does not open was dropped');
      return;
    }
    this.settle(message.requestId, answer);
  }

  private settle(requestId: string, answer: FlowExchangeAnswer): void {
    const waiting = this.waiting.get(requestId);
    if (!waiting) return;
    clearTimeout(waiting.timer);
    this.waiting.delete(requestId);
    waiting.resolve(answer);
  }

  /** Requests still held are answered before the process stops; WhatsApp gets its reply either way. */
  async beforeApplicationShutdown(): Promise<void> {
    for (const [requestId] of this.waiting) {
      flowEndpointDeadlineMisses.inc({ reason: 'shutdown' });
      this.settle(requestId, { close: FormMessages.closed });
    }
    this.subscriber.disconnect();
    await this.queues.close();
  }
}
