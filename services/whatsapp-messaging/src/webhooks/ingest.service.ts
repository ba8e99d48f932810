import {
  type InboundMessage,
  jobIdOf,
  type TriggerEventV1,
  type TriggerMessage,
} from '@flowbridge/contracts';
import {
  AppError,
  GroupCommit,
  metricOnce,
  REDIS,
  RedisEpochWatcher,
  SecretBoxError,
  Tenancy,
  TriggerProducer,
} from '@flowbridge/platform';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Redis } from 'ioredis';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Histogram } from 'prom-client';
import type { DataSource, EntityManager } from 'typeorm';
import type { ChannelEntity } from '../channels/channel.entity';
import { MessagingErrorCode } from '../errors';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { MalformedWebhook, type ParsedChange, parseWebhook, triggerMessageOf } from './envelope';
import { idsNamedIn, signatureDigest, signerOf } from './signature';
import { type ChannelSnapshot, WebhookChannels, type WebhookChannel } from './webhook-channels';

const webhookRequests = metricOnce(
  'flowbridge_webhook_requests_total',
  () =>
    new Counter({
      name: 'flowbridge_webhook_requests_total',
      help: 'Webhook POSTs by outcome (accepted, unsigned, bad_signature, malformed, unknown_channel, unavailable)',
      labelNames: ['outcome'],
    }),
);
const inboundMessages = metricOnce(
  'flowbridge_inbound_messages_total',
  () =>
    new Counter({
      name: 'flowbridge_inbound_messages_total',
      help: 'Inbound messages by type and outcome (new, duplicate)',
      labelNames: ['type', 'outcome'],
    }),
);
const webhookBatchSize = metricOnce(
  'flowbridge_webhook_batch_size',
  () =>
    new Histogram({
      name: 'flowbridge_webhook_batch_size',
      help: 'Webhooks written per transaction (group commit)',
      buckets: [1, 2, 4, 8, 16, 32, 64],
    }),
);
const unknownTypes = metricOnce(
  'flowbridge_webhook_unknown_total',
  () =>
    new Counter({
      name: 'flowbridge_webhook_unknown_total',
      help: 'Inbound message types and statuses this version does not know (logged, never a crash)',
      labelNames: ['type'],
    }),
);

const STATUS_RANK = { sent: 1, delivered: 2, read: 3, failed: 4 } as const;

/** Webhooks written in one transaction at most. */
const MAX_WEBHOOKS_PER_TRANSACTION = 64;

/** One verified, parsed webhook on its way to the database, with the channels it names. */
interface WebhookWrite {
  changes: ParsedChange[];
  byNumber: Map<string, ChannelEntity>;
}

export interface IngestResult {
  messages: number;
  duplicates: number;
  statuses: number;
}

/**
 * Meta's webhook POST: signature over the raw bytes, then every message and status of the batch recorded in
 * one transaction (shared with the webhooks that arrived meanwhile: group commit), the new messages enqueued as
 * trigger events before it commits. The answer is 200 only once all of it is durable; a failure rolls back,
 * answers 503, and Meta's redelivery starts over (a message that was enqueued before a failed commit is the same
 * BullMQ job again, so nothing is doubled). A shared transaction that fails is written again webhook by webhook,
 * so one bad webhook never fails another.
 */
@Injectable()
export class WebhookIngest implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookIngest.name);
  private readonly epochs: RedisEpochWatcher;
  /** Webhooks that arrive while earlier ones are being written share the next transaction (group commit). */
  private readonly writes: GroupCommit<WebhookWrite, IngestResult>;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly channelIndex: WebhookChannels,
    private readonly triggers: TriggerProducer,
    config: WhatsappMessagingConfig,
    @Inject(REDIS) redis: Redis,
  ) {
    this.epochs = new RedisEpochWatcher(db, redis, 'whatsapp_messaging', (tx, since) =>
      this.requeue(tx, since),
    );
    // Across workspaces: one batch may carry several numbers; each row names its own channel's workspace.
    this.writes = new GroupCommit(
      (_lane, batch) => Tenancy.acrossWorkspaces(() => this.db.transaction((tx) => this.record(tx, batch))),
      MAX_WEBHOOKS_PER_TRANSACTION,
      config.WEBHOOK_WRITE_CONCURRENCY,
    );
  }

  onApplicationBootstrap(): void {
    this.epochs.start();
  }

  onApplicationShutdown(): void {
    this.epochs.stop();
  }

  /** Across workspaces: one batch may carry several numbers; each change goes to its own channel's workspace. */
  ingest(raw: Buffer, signature: string | undefined): Promise<IngestResult> {
    return Tenancy.acrossWorkspaces(() => this.ingestBatch(raw, signature));
  }

  private async ingestBatch(raw: Buffer, signature: string | undefined): Promise<IngestResult> {
    const digest = signatureDigest(signature);
    if (digest === 'missing')
      refuse(
        'unsigned',
        new AppError(
          MessagingErrorCode.SignatureMissing,
          'X-Hub-Signature-256 is required',
          401,
          'x-hub-signature-256',
        ),
      );
    if (digest === 'malformed')
      refuse(
        'bad_signature',
        new AppError(
          MessagingErrorCode.SignatureMalformed,
          'X-Hub-Signature-256 must be sha256= and 64 hex digits',
          401,
          'x-hub-signature-256',
        ),
      );
    // Which of our apps signed it, before any parsing or database work: a few HMACs over the raw bytes.
    let snapshot = await this.unavailableOnError(() => this.channelIndex.current());
    let secret = signerOf(raw, digest, snapshot.bySecret.keys());
    if (secret === null) {
      const fresh = await this.channelIndex.refreshAfterMiss();
      if (fresh) {
        snapshot = fresh;
        secret = signerOf(raw, digest, snapshot.bySecret.keys());
      }
    }
    if (secret === null) return this.unverified(raw, snapshot);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      refuse(
        'malformed',
        new AppError(MessagingErrorCode.MalformedWebhook, 'The body is not JSON', 400, 'body'),
      );
    }
    const named = channelsNamedIn(body, snapshot);
    if (named.length === 0) {
      // Acknowledged, so that Meta stops delivering it (it would for days), and nothing else: with no channel
      // there is no workspace to route it to and no flow to run.
      webhookRequests.inc({ outcome: 'unknown_channel' });
      this.logger.warn(
        { phoneNumberIds: numbersIn(body).slice(0, 10) },
        'webhook for a number with no channel; acknowledged and ignored',
      );
      return { messages: 0, duplicates: 0, statuses: 0 };
    }
    // Every channel the batch is for must be one the signing app serves (one Meta app signs a batch).
    if (named.some((c) => c.appSecret !== secret)) refuse('bad_signature', signatureInvalid());
    const known = named.map((c) => c.channel);
    let changes: ParsedChange[];
    try {
      changes = parseWebhook(body);
    } catch (error) {
      if (!(error instanceof MalformedWebhook)) throw error;
      refuse('malformed', new AppError(MessagingErrorCode.MalformedWebhook, error.message, 400, error.field));
    }
    const byNumber = new Map(known.map((c) => [c.phoneNumberId, c]));
    const result = await this.unavailableOnError(() => this.writes.submit('webhooks', { changes, byNumber }));
    webhookRequests.inc({ outcome: 'accepted' });
    return result;
  }

  /**
   * Every message and status of the webhooks given, in one transaction and one statement each; the new messages
   * enqueued as trigger events before it commits. One result per webhook, in order.
   */
  private async record(tx: EntityManager, writes: WebhookWrite[]): Promise<IngestResult[]> {
    webhookBatchSize.observe(writes.length);
    const inbound: Array<{ write: number; channel: ChannelEntity; change: ParsedChange; index: number }> = [];
    const statuses: Array<Record<string, unknown>> = [];
    const statusCounts = writes.map(() => 0);
    for (const [write, { changes, byNumber }] of writes.entries())
      for (const change of changes) {
        const channel = byNumber.get(change.phoneNumberId);
        if (!channel) {
          this.logger.warn(
            { phoneNumberId: change.phoneNumberId },
            'webhook change for a number with no channel',
          );
          continue;
        }
        for (const type of change.unknown) {
          unknownTypes.inc({ type });
          this.logger.warn(
            { type, channelId: channel.id },
            'webhook carried a type this version does not know',
          );
        }
        change.messages.forEach((_, index) => inbound.push({ write, channel, change, index }));
        statusCounts[write] += change.statuses.length;
        for (const s of change.statuses)
          statuses.push({
            wa_message_id: s.waMessageId,
            channel_id: channel.id,
            status: s.status,
            rank: STATUS_RANK[s.status],
            status_at: s.timestamp.toISOString(),
            errors: s.errors.length > 0 ? s.errors : null,
            callback_data: s.callbackData ?? null,
          });
        const error = change.errors.at(-1);
        if (error) {
          this.logger.warn({ channelId: channel.id, error }, 'Meta reported an error for this number');
          await tx.query(`UPDATE whatsapp_messaging.channels SET last_error = $2 WHERE id = $1`, [
            channel.id,
            JSON.stringify({ ...error, at: new Date().toISOString(), source: 'webhook' }),
          ]);
        }
      }

    const fresh = new Set<string>();
    if (inbound.length > 0) {
      const rows = inbound.map(({ channel, change, index }) => {
        const m = change.messages[index];
        return {
          workspace_id: channel.workspaceId,
          channel_id: channel.id,
          wa_id: m.from,
          wa_message_id: m.waMessageId,
          type: m.inbound.type,
          content: { ...m.inbound, ...(m.profileName !== undefined ? { profileName: m.profileName } : {}) },
          occurred_at: m.timestamp.toISOString(),
          reply_to: m.replyTo ?? null,
        };
      });
      const inserted = await tx.query<Array<{ wa_message_id: string }>>(
        `INSERT INTO whatsapp_messaging.messages
                (workspace_id, channel_id, direction, wa_id, wa_message_id, type, content, occurred_at, reply_to)
         SELECT r.workspace_id, r.channel_id, 'in', r.wa_id, r.wa_message_id, r.type, r.content, r.occurred_at,
                r.reply_to
           FROM jsonb_to_recordset($1::jsonb) AS r(workspace_id text, channel_id uuid, wa_id text,
                wa_message_id text, type text, content jsonb, occurred_at timestamptz, reply_to text)
         ON CONFLICT (direction, wa_message_id) DO NOTHING
         RETURNING wa_message_id`,
        [JSON.stringify(rows)],
      );
      for (const row of inserted) fresh.add(row.wa_message_id);
    }
    if (statuses.length > 0)
      await tx.query(
        `INSERT INTO whatsapp_messaging.statuses
                (wa_message_id, channel_id, status, rank, status_at, errors, callback_data)
         SELECT DISTINCT ON (r.wa_message_id) r.wa_message_id, r.channel_id, r.status, r.rank, r.status_at, r.errors,
                r.callback_data
           FROM jsonb_to_recordset($1::jsonb) AS r(wa_message_id text, channel_id uuid, status text, rank smallint,
                status_at timestamptz, errors jsonb, callback_data text)
          ORDER BY r.wa_message_id, r.rank DESC
         ON CONFLICT (wa_message_id) DO UPDATE
            SET status = excluded.status, rank = excluded.rank, status_at = excluded.status_at, errors = excluded.errors,
                callback_data = coalesce(statuses.callback_data, excluded.callback_data)
          WHERE statuses.rank < excluded.rank`,
        [JSON.stringify(statuses)],
      );

    const events: TriggerEventV1[] = [];
    const results: IngestResult[] = statusCounts.map((n) => ({ messages: 0, duplicates: 0, statuses: n }));
    for (const { write, channel, change, index } of inbound) {
      const m = change.messages[index];
      const isNew = fresh.delete(m.waMessageId); // a second copy in the same batch is a duplicate too
      inboundMessages.inc({ type: m.inbound.type, outcome: isNew ? 'new' : 'duplicate' });
      if (!isNew) {
        results[write].duplicates++;
        continue;
      }
      results[write].messages++;
      events.push(
        triggerEventOf({
          workspaceId: channel.workspaceId,
          channelId: channel.id,
          waId: m.from,
          waMessageId: m.waMessageId,
          inbound: m.inbound,
          message: m.message,
          profileName: m.profileName,
          occurredAt: m.timestamp.toISOString(),
          replyTo: m.replyTo,
        }),
      );
    }
    // Inside the transaction: if Redis refuses, nothing is recorded and Meta sends the batch again.
    if (events.length > 0) await this.triggers.enqueueAll(events);
    return results;
  }

  /**
   * After a Redis restart (RedisEpochWatcher): the trigger events of every message received since `since`,
   * queued again under their ids. Those Redis kept are untouched; the worker's inbox drops those it applied.
   */
  async requeue(tx: EntityManager, since: Date): Promise<number> {
    const rows = await tx.query<
      Array<{
        workspace_id: string;
        channel_id: string;
        wa_id: string;
        wa_message_id: string;
        content: InboundMessage & { profileName?: string };
        occurred_at: Date;
        reply_to: string | null;
      }>
    >(
      `SELECT workspace_id, channel_id, wa_id, wa_message_id, content, occurred_at, reply_to
         FROM whatsapp_messaging.messages WHERE direction = 'in' AND created_at >= $1 ORDER BY id`,
      [since.toISOString()],
    );
    await this.triggers.enqueueAll(
      rows.map((r) => {
        const { profileName, ...inbound } = r.content;
        return triggerEventOf({
          workspaceId: r.workspace_id,
          channelId: r.channel_id,
          waId: r.wa_id,
          waMessageId: r.wa_message_id,
          inbound,
          message: triggerMessageOf(inbound),
          profileName,
          occurredAt: new Date(r.occurred_at).toISOString(),
          replyTo: r.reply_to ?? undefined,
        });
      }),
    );
    return rows.length;
  }

  /**
   * A body no app secret we hold verifies. Whether it names a number we serve is read by pattern, without
   * parsing it: if it does, it is forged or signed with the wrong secret (401, so Meta keeps the batch and an
   * operator can fix the secret); if not, it is for a number we do not serve (acknowledged, counted). A
   * channel whose app secret cannot be opened (a key gone from ENCRYPTION_KEYS) is an operator's problem, not
   * Meta's: 503 (Meta delivers the batch again once the key is back) and a log line saying what to fix.
   */
  private unverified(raw: Buffer, snapshot: ChannelSnapshot): IngestResult {
    const ids = idsNamedIn(raw);
    const ours = [...ids].flatMap((id) => {
      const byNumber = snapshot.byNumber.get(id);
      return byNumber ? [byNumber] : (snapshot.byWaba.get(id) ?? []);
    });
    const sealed = ours.find((c) => c.appSecret instanceof SecretBoxError);
    if (sealed) {
      this.logger.error(
        { channelId: sealed.channel.id, reason: (sealed.appSecret as SecretBoxError).code },
        "the channel's app secret could not be decrypted; check ENCRYPTION_KEYS (webhooks answer 503 until then)",
      );
      refuse('unavailable', cannotVerify());
    }
    if (ours.length > 0) refuse('bad_signature', signatureInvalid());
    // The channels could not be read again: the number may be one connected a moment ago. Meta will retry.
    if (this.channelIndex.doubtful) refuse('unavailable', cannotVerify());
    webhookRequests.inc({ outcome: 'unknown_channel' });
    this.logger.warn(
      { phoneNumberIds: [...ids].slice(0, 10) },
      'webhook for a number with no channel (signed by no app we serve); acknowledged and ignored',
    );
    return { messages: 0, duplicates: 0, statuses: 0 };
  }

  /** Postgres or Redis is down: 503, so that Meta delivers the batch again later. */
  private async unavailableOnError<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AppError) throw error;
      webhookRequests.inc({ outcome: 'unavailable' });
      this.logger.error({ err: error }, 'webhook could not be recorded; Meta will deliver it again');
      throw new AppError(
        MessagingErrorCode.Unavailable,
        'The webhook could not be recorded right now; deliver it again later',
        503,
      );
    }
  }
}

/** Counts the outcome and throws the error that answers it. */
function refuse(outcome: string, error: AppError): never {
  webhookRequests.inc({ outcome });
  throw error;
}

function signatureInvalid(): AppError {
  return new AppError(
    MessagingErrorCode.SignatureInvalid,
    'X-Hub-Signature-256 does not match the body',
    401,
    'x-hub-signature-256',
  );
}

function cannotVerify(): AppError {
  return new AppError(
    MessagingErrorCode.Unavailable,
    'The webhook could not be verified right now; deliver it again later',
    503,
  );
}

type RawEntry = { id?: unknown; changes?: unknown };

/** The channels a webhook names: by phone number id, or by business account for changes without one. */
function channelsNamedIn(body: unknown, snapshot: ChannelSnapshot): WebhookChannel[] {
  const numbers = numbersIn(body);
  if (numbers.length > 0) return numbers.flatMap((n) => snapshot.byNumber.get(n) ?? []);
  return entriesOf(body).flatMap((e) => (typeof e.id === 'string' ? (snapshot.byWaba.get(e.id) ?? []) : []));
}

function entriesOf(body: unknown): RawEntry[] {
  const entries = (body as { entry?: unknown })?.entry;
  return Array.isArray(entries) ? (entries as RawEntry[]).filter((e) => e && typeof e === 'object') : [];
}

/** The phone number ids a webhook names, read loosely (before the envelope is validated). */
function numbersIn(body: unknown): string[] {
  const numbers = new Set<string>();
  for (const e of entriesOf(body))
    for (const change of Array.isArray(e.changes) ? e.changes : []) {
      const id = (change as { value?: { metadata?: { phone_number_id?: unknown } } } | null)?.value?.metadata
        ?.phone_number_id;
      if (typeof id === 'string') numbers.add(id);
    }
  return [...numbers];
}

/** The trigger event of an inbound message: built the same way at ingestion and when queued again. */
function triggerEventOf(m: {
  workspaceId: string;
  channelId: string;
  waId: string;
  waMessageId: string;
  inbound: InboundMessage;
  /** What the flow sees of it (`triggerMessageOf(inbound)`; parsing already made it for a fresh webhook). */
  message: TriggerMessage;
  profileName?: string;
  occurredAt: string;
  replyTo?: string;
}): TriggerEventV1 {
  return {
    version: 1,
    eventId: jobIdOf('wa', m.waMessageId),
    workspaceId: m.workspaceId,
    channelId: m.channelId,
    contact: { waId: m.waId, ...(m.profileName !== undefined ? { name: m.profileName } : {}) },
    occurredAt: m.occurredAt,
    source: {
      type: 'message',
      messageId: m.waMessageId,
      message: m.message,
      inbound: m.inbound,
      ...(m.replyTo !== undefined ? { replyTo: m.replyTo } : {}),
    },
  };
}
