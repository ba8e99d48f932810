import { AppError, SecretBoxError } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import type { ChannelEntity } from '../channels/channel.entity';
import { MessagingErrorCode } from '../errors';
import { MalformedWebhook, type ParsedChange, parseWebhook } from './envelope';
import { idsNamedIn, signatureDigest, signerOf } from './signature';
import { type ChannelSnapshot, WebhookChannels, type WebhookChannel } from './webhook-channels';
import { webhookRequests } from './webhook-metrics';

/** A webhook one of our apps signed, parsed, with the channels it is for. */
export interface VerifiedWebhook {
  changes: ParsedChange[];
  byNumber: Map<string, ChannelEntity>;
}

/**
 * Who sent a webhook, before any database work: the signature over the raw bytes checked against the app
 * secrets we hold, then the body parsed. Refusals throw the AppError that answers them (401, 400, 503); a
 * webhook for a number we do not serve is `ignored` (acknowledged, so that Meta stops delivering it).
 */
@Injectable()
export class WebhookVerifier {
  private readonly logger = new Logger(WebhookVerifier.name);

  constructor(private readonly channelIndex: WebhookChannels) {}

  async verify(raw: Buffer, signature: string | undefined): Promise<VerifiedWebhook | 'ignored'> {
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
    let snapshot = await unavailableOnError(() => this.channelIndex.current(), this.logger);
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
      return 'ignored';
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
    return { changes, byNumber: new Map(known.map((c) => [c.phoneNumberId, c])) };
  }

  /**
   * A body no app secret we hold verifies. Whether it names a number we serve is read by pattern, without
   * parsing it: if it does, it is forged or signed with the wrong secret (401, so Meta keeps the batch and an
   * operator can fix the secret); if not, it is for a number we do not serve (acknowledged, counted). A
   * channel whose app secret cannot be opened (a key gone from ENCRYPTION_KEYS) is an operator's problem, not
   * Meta's: 503 (Meta delivers the batch again once the key is back) and a log line saying what to fix.
   */
  private unverified(raw: Buffer, snapshot: ChannelSnapshot): 'ignored' {
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
    return 'ignored';
  }
}

/** Postgres or Redis is down: 503, so that Meta delivers the batch again later. */
export async function unavailableOnError<T>(work: () => Promise<T>, logger: Logger): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppError) throw error;
    webhookRequests.inc({ outcome: 'unavailable' });
    logger.error({ err: error }, 'webhook could not be recorded; Meta will deliver it again');
    throw new AppError(
      MessagingErrorCode.Unavailable,
      'The webhook could not be recorded right now; deliver it again later',
      503,
    );
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
