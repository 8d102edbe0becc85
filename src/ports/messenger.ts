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

  postToChannel(community: CommunityRef, channelId: string, reply: Reply): Promise<void> {
    return this.pick(community).postToChannel(community, channelId, reply);
  }

  sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply): Promise<void> {
    return this.pick(community).sendToMember(community, memberExternalId, reply);
  }
}
