import { createHash, createPrivateKey, type KeyObject } from 'node:crypto';
import { AppError } from '@flowbridge/platform';
import { Injectable, Logger } from '@nestjs/common';
import { MessagingErrorCode } from '../errors';
import { generateFlowKeyPair } from '../flows-endpoint/endpoint-crypto';
import { GraphClient, type ManagementResult } from '../sending/graph-client';
import type { ChannelEntity } from './channel.entity';
import type { FlowKeyView } from './channel-responses';
import { ChannelsService } from './channels.service';

/**
 * Each channel's key pair for its WhatsApp Flows data endpoint. Flowbridge makes it (RSA-2048), keeps the
 * private half sealed like the channel's other secrets (never shown; `secrets:rotate` re-seals it) and uploads
 * the public half to the Cloud API, which WhatsApp then encrypts the number's Flow requests to. Making a new
 * pair is the key's rotation: uploaded first, stored once Meta took it, so the stored key is always the one
 * Meta holds.
 */
@Injectable()
export class ChannelFlowKeys {
  private readonly logger = new Logger(ChannelFlowKeys.name);

  constructor(
    private readonly channels: ChannelsService,
    private readonly graph: GraphClient,
  ) {}

  /** `POST /channels/:id/flow-key`: a new key pair, uploaded, then stored. */
  async rotate(workspaceId: string, id: string): Promise<FlowKeyView> {
    const channel = await this.channels.find(workspaceId, id);
    const keys = await generateFlowKeyPair();
    const uploaded = await this.graph.uploadFlowPublicKey(
      channel,
      this.channels.open(channel, 'accessToken'),
      keys.publicKeyPem,
    );
    if (!uploaded.ok) throw refused(uploaded, 'The Cloud API refused the public key');
    channel.flowPrivateKey = this.channels.seal(workspaceId, id, 'flowPrivateKey', keys.privateKeyPem);
    channel.flowPublicKey = keys.publicKeyPem;
    channel.flowKeyUploadedAt = new Date();
    const saved = await this.channels.save(channel);
    this.logger.log(
      { channelId: id, fingerprint: fingerprintOf(keys.publicKeyPem) },
      'Flows key pair made and uploaded',
    );
    return viewOf(saved);
  }

  /** `GET /channels/:id/flow-key`: the public key, and whether Meta holds it with a valid signature. */
  async status(workspaceId: string, id: string): Promise<FlowKeyView> {
    const channel = await this.channels.find(workspaceId, id);
    const view = viewOf(channel);
    const held = await this.graph.flowKeyStatus(channel, this.channels.open(channel, 'accessToken'));
    if (!held.ok) throw refused(held, "The Cloud API refused to show the number's key");
    return {
      ...view,
      signatureStatus: held.signatureStatus,
      matchesCloudApi:
        held.publicKey !== null && view.publicKey !== null && sameKey(held.publicKey, view.publicKey),
    };
  }

  /** The channel's private key, opened (the data endpoint's), or null when it has none yet. */
  privateKeyOf(channel: ChannelEntity): KeyObject | null {
    return channel.flowPrivateKey ? createPrivateKey(this.channels.open(channel, 'flowPrivateKey')) : null;
  }
}

function viewOf(channel: ChannelEntity): FlowKeyView {
  return {
    channelId: channel.id,
    publicKey: channel.flowPublicKey,
    fingerprint: channel.flowPublicKey ? fingerprintOf(channel.flowPublicKey) : null,
    uploadedAt: channel.flowKeyUploadedAt?.toISOString() ?? null,
  };
}

function fingerprintOf(publicKeyPem: string): string {
  const der = Buffer.from(publicKeyPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex');
}

function sameKey(a: string, b: string): boolean {
  return fingerprintOf(a) === fingerprintOf(b);
}

function refused(result: Extract<ManagementResult, { ok: false }>, what: string): AppError {
  if (!result.reachable)
    return new AppError(
      MessagingErrorCode.CloudApiUnavailable,
      `The Cloud API did not answer; nothing was changed, try again`,
      503,
    );
  return new AppError(MessagingErrorCode.FlowKeyRefused, `${what}: ${result.error.message}`, 422);
}
