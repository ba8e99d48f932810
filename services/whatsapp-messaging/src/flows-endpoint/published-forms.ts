import {
  type FormPublishProblem,
  type NavigationEventV1,
  type OutboundMessage,
  type PublishFormsRequest,
  publishFormsRequestSchema,
  type PublishFormsResponse,
} from '@flowbridge/contracts';
import { AppError, FlowTokens, internalKeyOf, Tenancy } from '@flowbridge/platform';
import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ChannelEntity } from '../channels/channel.entity';
import { ChannelFlowKeys } from '../channels/channel-flow-keys';
import { ChannelsService } from '../channels/channels.service';
import { WhatsappMessagingConfig } from '../whatsapp-messaging.config';
import { CloudFlows } from './cloud-flows';
import { FLOW_ENDPOINT_PATH } from './flow-endpoint.controller';

/** A flow token lives as long as WhatsApp's service window, the longest a run waits for a reply. */
const TOKEN_LIFETIME_MS = 24 * 3600 * 1000;
const CACHE_SIZE = 10_000;

type Published = Extract<PublishFormsResponse, { ok: true }>['published'];

/**
 * A flow version's forms on the Cloud API. Publishing makes each form a Flow for each of the flow's channels
 * (`POST /{waba-id}/flows` with the channel's data endpoint as `endpoint_uri`, the Flow JSON uploaded, Meta's
 * `validation_errors` returned as problems, then published) and keeps the Flow ids; one Flow per channel because
 * WhatsApp encrypts a Flow's requests to the key of the number that sent it. Sending opens them: a flow
 * message naming a form gets the Flow id published for its version and channel, and a signed flow token.
 */
@Injectable()
export class PublishedForms implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PublishedForms.name);
  private readonly tokens: FlowTokens;
  /** `<flow>/<version>/<form>/<channel>` → Meta's Flow id: a version's forms never change. */
  private readonly ids = new Map<string, string>();
  /** Publish RPCs being answered: shutdown lets them reply while the RPC transport is still open. */
  private readonly answering = new Set<Promise<unknown>>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly channels: ChannelsService,
    private readonly keys: ChannelFlowKeys,
    private readonly cloud: CloudFlows,
    private readonly config: WhatsappMessagingConfig,
  ) {
    this.tokens = FlowTokens.fromInternalKey(internalKeyOf(config));
  }

  /** The RPC: every form on every channel of the flow, or every problem met. */
  async publish(raw: unknown): Promise<PublishFormsResponse> {
    const parsed = publishFormsRequestSchema.safeParse(raw);
    if (!parsed.success)
      return { ok: false, code: 'INVALID_REQUEST', message: parsed.error.issues[0].message, problems: [] };
    const request = parsed.data as PublishFormsRequest;
    if (!this.config.PUBLIC_BASE_URL)
      return refused(
        'NO_PUBLIC_URL',
        'Forms need a data endpoint WhatsApp can reach: set PUBLIC_BASE_URL on the messaging service',
      );
    // One replica answers (the RPC transport lets the first to claim the request take it).
    const answer = Tenancy.forWorkspace(request.workspaceId, () => this.publishAll(request)).catch(
      (error: unknown): PublishFormsResponse => {
        this.logger.error({ err: error, attempt: request.attempt }, 'forms not published');
        return refused('CLOUD_API_UNAVAILABLE', 'The forms could not be published; publish again');
      },
    );
    const tracked = answer.finally(() => this.answering.delete(tracked));
    this.answering.add(tracked);
    return answer;
  }

  /** Before the RPC transport closes: every answer under way is given, so none is published on a closed connection. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.allSettled([...this.answering]);
  }

  private async publishAll(request: PublishFormsRequest): Promise<PublishFormsResponse> {
    const all = await this.db.getRepository(ChannelEntity).find({
      where: { workspaceId: request.workspaceId },
      order: { createdAt: 'ASC' },
    });
    const channels = request.channelIds.length ? all.filter((c) => request.channelIds.includes(c.id)) : all;
    if (channels.length === 0)
      return refused('NO_CHANNEL', 'The flow has no channel to publish its forms on: add a channel first');
    const published: Published = [];
    const problems: FormPublishProblem[] = [];
    let unreachable = false;
    for (const channel of channels) {
      // A channel without a key pair gets one now: its requests must be encrypted to something.
      if (!channel.flowPublicKey) {
        try {
          await this.keys.rotate(request.workspaceId, channel.id);
        } catch (error) {
          // The Cloud API not answering is a 503 (publish again), as for the Flows calls below.
          unreachable ||= error instanceof AppError && error.status === 503;
          problems.push({
            formId: request.forms[0].id,
            channelId: channel.id,
            message: `The channel's Flows key could not be made: ${(error as Error).message}`,
          });
          continue;
        }
      }
      const token = this.channels.open(channel, 'accessToken');
      const waba = { id: channel.wabaId, graphApiVersion: channel.graphApiVersion };
      const endpointUri = `${this.config.PUBLIC_BASE_URL!.replace(/\/+$/, '')}${FLOW_ENDPOINT_PATH}/${channel.id}`;
      for (const form of request.forms) {
        const problem = (message: string, paths?: string[]) =>
          problems.push({ formId: form.id, channelId: channel.id, message, ...(paths ? { paths } : {}) });
        const created = await this.cloud.create(waba, token, {
          name: `${form.name} · v${request.version} · ${channel.displayPhoneNumber}`,
          categories: form.categories,
          endpointUri,
        });
        if (!created.ok) {
          unreachable ||= !created.reachable;
          problem(`The Cloud API refused to create the Flow: ${created.error.message}`);
          continue;
        }
        const flow = { id: created.flowId, graphApiVersion: channel.graphApiVersion };
        const uploaded = await this.cloud.upload(flow, token, form.flowJson);
        if (!uploaded.ok) {
          unreachable ||= !uploaded.reachable;
          problem(`The Cloud API refused the Flow JSON: ${uploaded.error.message}`);
          continue;
        }
        if (uploaded.validationErrors.length > 0) {
          for (const error of uploaded.validationErrors)
            problem(`Meta: ${error.message || error.error}`, error.paths);
          continue;
        }
        const live = await this.cloud.publish(flow, token);
        if (!live.ok) {
          unreachable ||= !live.reachable;
          problem(`The Cloud API refused to publish the Flow: ${live.error.message}`);
          continue;
        }
        published.push({ formId: form.id, channelId: channel.id, metaFlowId: created.flowId });
      }
    }
    if (problems.length > 0)
      return {
        ok: false,
        code: unreachable ? 'CLOUD_API_UNAVAILABLE' : 'FORMS_REFUSED',
        message: unreachable
          ? 'The Cloud API did not answer; publish again'
          : 'The Cloud API refused some of the forms',
        problems,
      };
    await this.db.query(
      `INSERT INTO whatsapp_messaging.published_forms
              (workspace_id, flow_id, flow_version, form_id, channel_id, meta_flow_id)
       SELECT $1, $2, $3, p."formId", p."channelId", p."metaFlowId"
         FROM jsonb_to_recordset($4::jsonb) AS p("formId" text, "channelId" uuid, "metaFlowId" text)
       ON CONFLICT (flow_id, flow_version, form_id, channel_id) DO UPDATE SET meta_flow_id = EXCLUDED.meta_flow_id,
            published_at = now()`,
      [request.workspaceId, request.flowId, request.version, JSON.stringify(published)],
    );
    for (const p of published) this.ids.delete(key(request.flowId, request.version, p.formId, p.channelId));
    this.logger.log(
      { flowId: request.flowId, version: request.version, flows: published.length },
      'forms published on the Cloud API',
    );
    return { ok: true, published };
  }

  /**
   * The navigation's flow messages that name a form, made sendable: the Flow published for the version and
   * channel, and a flow token for this run and send. A form with no Flow for the channel (the channel came after
   * the publish) keeps no Flow id: the Cloud API refuses the send, and the message is recorded failed.
   */
  async open(navigation: NavigationEventV1): Promise<NavigationEventV1> {
    if (!navigation.messages.some((m) => m.type === 'flow' && m.form !== undefined)) return navigation;
    const messages: OutboundMessage[] = [];
    for (const message of navigation.messages) {
      if (message.type !== 'flow' || message.form === undefined) {
        messages.push(message);
        continue;
      }
      const metaFlowId = await this.flowIdOf(navigation, message.form);
      if (!metaFlowId)
        this.logger.error(
          { flowId: navigation.flowId, version: navigation.flowVersion, form: message.form },
          'no Flow published for this form on this channel: publish the flow again',
        );
      messages.push({
        ...message,
        ...(metaFlowId ? { flowId: metaFlowId } : {}),
        flowToken: this.tokens.issue({
          workspaceId: navigation.workspaceId,
          runId: navigation.runId,
          formId: message.form,
          navigationId: navigation.navigationId,
          expiresAt: Date.now() + TOKEN_LIFETIME_MS,
        }),
      });
    }
    return { ...navigation, messages };
  }

  private async flowIdOf(navigation: NavigationEventV1, formId: string): Promise<string | null> {
    const k = key(navigation.flowId, navigation.flowVersion, formId, navigation.channelId);
    const cached = this.ids.get(k);
    if (cached) return cached;
    const [row] = await Tenancy.forWorkspace(navigation.workspaceId, () =>
      this.db.query<Array<{ meta_flow_id: string }>>(
        `SELECT meta_flow_id FROM whatsapp_messaging.published_forms
          WHERE flow_id = $1 AND flow_version = $2 AND form_id = $3 AND channel_id = $4`,
        [navigation.flowId, navigation.flowVersion, formId, navigation.channelId],
      ),
    );
    if (!row) return null;
    if (this.ids.size >= CACHE_SIZE) this.ids.delete(this.ids.keys().next().value as string);
    this.ids.set(k, row.meta_flow_id);
    return row.meta_flow_id;
  }
}

function key(flowId: string, version: number, formId: string, channelId: string): string {
  return `${flowId}/${version}/${formId}/${channelId}`;
}

function refused(
  code: 'NO_CHANNEL' | 'NO_PUBLIC_URL' | 'CLOUD_API_UNAVAILABLE',
  message: string,
): PublishFormsResponse {
  return { ok: false, code, message, problems: [] };
}
