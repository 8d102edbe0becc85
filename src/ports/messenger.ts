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
