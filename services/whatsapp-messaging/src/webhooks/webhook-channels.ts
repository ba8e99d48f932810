import { SecretBoxError } from '@flowbridge/platform';
import { Injectable } from '@nestjs/common';
import type { ChannelEntity } from '../channels/channel.entity';
import { ChannelGenerations, type ChannelsGeneration } from '../channels/channel-generations';
import { ChannelsService } from '../channels/channels.service';

/** A channel with its app secret opened once (or why it could not be). */
export interface WebhookChannel {
  channel: ChannelEntity;
  appSecret: string | SecretBoxError;
}

export interface ChannelSnapshot {
  byId: Map<string, WebhookChannel>;
  byNumber: Map<string, WebhookChannel>;
  byWaba: Map<string, WebhookChannel[]>;
  /** Each distinct app secret (one per Meta app) with the channels it signs for. */
  bySecret: Map<string, WebhookChannel[]>;
}

/** Past this, the snapshot is read again whatever the generations say (Redis was unreachable, say). */
const TTL_MS = 30_000;
/** A webhook no cached secret verifies reads the channels again at most this often (no DB work per request). */
const MISS_REFRESH_EVERY_MS = 1000;

/**
 * The channels the webhook checks signatures against, with their app secrets decrypted, kept in memory: a
 * webhook is verified before anything else (no JSON parsing, no database) against the few candidate secrets.
 * Read again when a channel changed here or on another replica (the channels generations, checked at most once
 * a second: a replaced app secret stops verifying within a second everywhere), after TTL_MS, and, at most once a
 * second, when a webhook names a number or carries a signature the snapshot does not know.
 */
@Injectable()
export class WebhookChannels {
  private snapshot?: { at: number; generation: ChannelsGeneration; value: ChannelSnapshot };
  private loading?: Promise<ChannelSnapshot>;
  private lastMissRefresh = 0;
  /** The last read after a miss failed: a number the snapshot does not know may still be ours. */
  doubtful = false;

  constructor(
    private readonly channels: ChannelsService,
    private readonly generations: ChannelGenerations,
  ) {}

  async current(): Promise<ChannelSnapshot> {
    const s = this.snapshot;
    const now = await this.generations.current();
    // Redis unreachable (remote undefined): the snapshot holds for its TTL, as webhooks need no Redis to verify.
    const unchanged =
      s?.generation.local === now.local && (now.remote === undefined || s.generation.remote === now.remote);
    if (s && unchanged && Date.now() - s.at < TTL_MS) return s.value;
    return this.load();
  }

  /** Forgets the snapshot: the next webhook reads the channels again. */
  invalidate(): void {
    this.snapshot = undefined;
  }

  /**
   * A fresh snapshot after a miss, or null when one was read less than a second ago (or could not be read:
   * then `doubtful` says so until a read succeeds).
   */
  async refreshAfterMiss(): Promise<ChannelSnapshot | null> {
    if (Date.now() - this.lastMissRefresh < MISS_REFRESH_EVERY_MS) return null;
    this.lastMissRefresh = Date.now();
    try {
      const fresh = await this.load();
      this.doubtful = false;
      return fresh;
    } catch {
      this.doubtful = true;
      return null;
    }
  }

  private load(): Promise<ChannelSnapshot> {
    this.loading ??= this.read().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async read(): Promise<ChannelSnapshot> {
    const generation = await this.generations.current();
    const at = Date.now();
    const value: ChannelSnapshot = {
      byId: new Map(),
      byNumber: new Map(),
      byWaba: new Map(),
      bySecret: new Map(),
    };
    for (const channel of await this.channels.all()) {
      let appSecret: string | SecretBoxError;
      try {
        appSecret = this.channels.open(channel, 'appSecret');
      } catch (error) {
        if (!(error instanceof SecretBoxError)) throw error;
        appSecret = error;
      }
      const entry = { channel, appSecret };
      value.byId.set(channel.id, entry);
      value.byNumber.set(channel.phoneNumberId, entry);
      value.byWaba.set(channel.wabaId, [...(value.byWaba.get(channel.wabaId) ?? []), entry]);
      if (typeof appSecret === 'string')
        value.bySecret.set(appSecret, [...(value.bySecret.get(appSecret) ?? []), entry]);
    }
    this.snapshot = { at, generation, value };
    return value;
  }
}
