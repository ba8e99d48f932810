import { maskSecret } from '@flowbridge/platform';
import type { ChannelEntity } from './channel.entity';

/** What the API shows of a channel: secrets masked, never returned. */
export function channelView(channel: ChannelEntity, defaultVersion: string) {
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
    createdAt: channel.createdAt.toISOString(),
    updatedAt: channel.updatedAt.toISOString(),
  };
}

export type ChannelView = ReturnType<typeof channelView>;
