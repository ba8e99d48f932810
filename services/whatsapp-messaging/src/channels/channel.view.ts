import type { ChannelView } from './channel-responses';
import { maskSecret } from '@flowbridge/platform';
import type { ChannelEntity } from './channel.entity';

/** What the API shows of a channel: secrets masked, never returned. */
export function channelView(channel: ChannelEntity, defaultVersion: string): ChannelView {
  return {
    id: channel.id,
    phoneNumberId: channel.phoneNumberId,
    displayPhoneNumber: channel.displayPhoneNumber,
    wabaId: channel.wabaId,
    accessToken: maskSecret(channel.accessToken),
    appSecret: maskSecret(channel.appSecret),
    verifyToken: channel.verifyToken,
    graphApiVersion: channel.graphApiVersion ?? defaultVersion,
    messagesPerSecond: channel.messagesPerSecond,
    /** When the WhatsApp Flows key pair was last made and uploaded (`POST /channels/:id/flow-key`). */
    flowKeyUploadedAt: channel.flowKeyUploadedAt?.toISOString() ?? null,
    createdAt: channel.createdAt.toISOString(),
    updatedAt: channel.updatedAt.toISOString(),
  };
}
