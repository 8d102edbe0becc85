import type { CommunityRef } from '../domain/model.ts';
import type { Reply } from '../domain/reply.ts';

/**
 * Which delivery a post is, so the platform itself can refuse a repeat: Discord by a nonce
 * derived from `id`, Slack by `id` in the message's metadata, looked up in the conversation's
 * recent history before posting when `mayBeRepeat` (an earlier attempt may have landed).
 */
export interface DeliveryTag {
  id: string;
  mayBeRepeat: boolean;
}

/** `found-earlier`: the platform already held this delivery's message, so nothing new was posted. */
export type PostResult = 'posted' | 'found-earlier';

/**
 * How jobs reach people without importing a platform library: each adapter implements it for
 * its own platform, and a router picks by the community's platform.
 */
export interface Messenger {
  readonly platforms: readonly CommunityRef['platform'][];
  postToChannel(community: CommunityRef, channelId: string, reply: Reply, delivery?: DeliveryTag): Promise<PostResult | void>;
  /** A direct message; the only kind of post that may ping, and only the member it is for. */
  sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply, delivery?: DeliveryTag): Promise<PostResult | void>;
}

/** Routes each delivery to the messenger of the community's platform. */
export class MessengerRegistry implements Messenger {
  private readonly byPlatform = new Map<CommunityRef['platform'], Messenger>();

  get platforms(): CommunityRef['platform'][] {
    return [...this.byPlatform.keys()];
  }

  register(messenger: Messenger): void {
    for (const platform of messenger.platforms) this.byPlatform.set(platform, messenger);
  }

  private pick(community: CommunityRef): Messenger {
    const messenger = this.byPlatform.get(community.platform);
    if (!messenger) throw new Error(`No messenger for ${community.platform}: is that adapter running in this process?`);
    return messenger;
  }

  postToChannel(community: CommunityRef, channelId: string, reply: Reply, delivery?: DeliveryTag): Promise<PostResult | void> {
    return this.pick(community).postToChannel(community, channelId, reply, delivery);
  }

  sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply, delivery?: DeliveryTag): Promise<PostResult | void> {
    return this.pick(community).sendToMember(community, memberExternalId, reply, delivery);
  }
}
