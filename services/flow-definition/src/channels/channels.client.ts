import { readChannelsResponse, RpcPattern } from '@flowbridge/contracts';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ClientProxy } from '@nestjs/microservices';
import { firstValueFrom, timeout } from 'rxjs';
import { MESSAGING_CLIENT } from '../publishing/forms.client';

/** A workspace's channel ids are used this long once the messaging service said them. */
const FRESH_MS = 30_000;
/** A channel not among them is asked about again (one made since), at most this often per workspace. */
const RECHECK_MS = 1000;
/** The messaging service did not answer: its channels are not asked about again for this long. */
const UNKNOWN_MS = 10_000;
/** How long an API trigger waits for the answer before it is accepted unchecked. */
const ANSWER_WITHIN_MS = 1500;
const MAX_WORKSPACES = 10_000;

interface Known {
  /** Null: the messaging service could not say. */
  ids: Set<string> | null;
  at: number;
}

/**
 * Which channels a workspace has, as the messaging service (which owns channels) says over RPC, remembered a
 * while. An API trigger naming a channel the workspace does not have is refused at once instead of accepted and
 * then failing every send; a flow's draft naming one is refused at save, and validating and publishing ask
 * afresh (a channel may have been disconnected since). It never blocks for long: when the messaging service does
 * not answer in time, the answer is "cannot say" and the caller goes on unchecked, as before the check existed.
 */
@Injectable()
export class ChannelsClient {
  private readonly logger = new Logger(ChannelsClient.name);
  private readonly known = new Map<string, Known>();
  private readonly asking = new Map<string, Promise<Known>>();

  constructor(@Inject(MESSAGING_CLIENT) private readonly client: ClientProxy) {}

  /** True or false when the messaging service said so (lately); undefined when it cannot say now. */
  async has(workspaceId: string, channelId: string): Promise<boolean | undefined> {
    const missing = await this.missing(workspaceId, [channelId]);
    return missing === undefined ? undefined : missing.length === 0;
  }

  /**
   * Each of `channelIds` the workspace does not have, with its place in the list; none when it cannot say now.
   * `fresh`: asked now, whatever is remembered (a channel disconnected a moment ago must show).
   */
  async unknown(
    workspaceId: string,
    channelIds: string[],
    fresh = false,
  ): Promise<Array<{ index: number; id: string }>> {
    const missing = new Set((await this.missing(workspaceId, channelIds, fresh)) ?? []);
    return channelIds.flatMap((id, index) => (missing.has(id) ? [{ index, id }] : []));
  }

  /** The ones of `channelIds` the workspace does not have; undefined when it cannot say now. */
  private async missing(
    workspaceId: string,
    channelIds: string[],
    fresh = false,
  ): Promise<string[] | undefined> {
    if (channelIds.length === 0) return [];
    const cached = fresh ? undefined : this.known.get(workspaceId);
    const age = cached ? Date.now() - cached.at : Infinity;
    if (cached && cached.ids === null && age < UNKNOWN_MS) return undefined;
    if (cached?.ids && age < FRESH_MS) {
      const { ids } = cached;
      const absent = channelIds.filter((id) => !ids.has(id));
      if (absent.length === 0 || age < RECHECK_MS) return absent;
    }
    const { ids } = await this.ask(workspaceId);
    return ids === null ? undefined : channelIds.filter((id) => !ids.has(id));
  }

  /** One question at a time per workspace: the triggers that arrive meanwhile share its answer. */
  private ask(workspaceId: string): Promise<Known> {
    let asking = this.asking.get(workspaceId);
    if (!asking) {
      asking = this.fetch(workspaceId).finally(() => this.asking.delete(workspaceId));
      this.asking.set(workspaceId, asking);
    }
    return asking;
  }

  private async fetch(workspaceId: string): Promise<Known> {
    let ids: Set<string> | null = null;
    try {
      const answer = readChannelsResponse(
        await firstValueFrom(
          this.client.send(RpcPattern.MessagingChannels, { workspaceId }).pipe(timeout(ANSWER_WITHIN_MS)),
        ),
      );
      if (answer?.ok) ids = new Set(answer.channelIds);
      else this.logger.warn({ workspaceId, answer }, 'the messaging service refused to list channels');
    } catch (err) {
      this.logger.warn({ err, workspaceId }, "the messaging service did not list the workspace's channels");
    }
    const known = { ids, at: Date.now() };
    if (this.known.size >= MAX_WORKSPACES) this.known.delete(this.known.keys().next().value as string);
    this.known.set(workspaceId, known);
    return known;
  }
}
