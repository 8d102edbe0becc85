import type { CommunityRef } from '../domain/model.ts';
import type { Reply } from '../domain/reply.ts';

/**
 * How jobs reach people without importing a platform library: each adapter implements it for
 * its own platform, and a router picks by the community's platform.
 */
export interface Messenger {
  readonly platforms: readonly CommunityRef['platform'][];
  postToChannel(community: CommunityRef, channelId: string, reply: Reply): Promise<void>;
  /** A direct message; the only kind of post that may ping, and only the member it is for. */
  sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply): Promise<void>;
}
