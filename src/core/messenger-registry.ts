import type { CommunityRef } from '../domain/model.ts';
import type { Reply } from '../domain/reply.ts';
import type { DeliveryTag, Messenger, PostResult } from '../ports/messenger.ts';

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
