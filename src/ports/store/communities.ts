import type { Community, CommunityRef, CommunitySettings, Member } from '../../domain/model.ts';

/** Communities (a Discord guild, a Slack workspace, the console) and the members seen in them. */
export interface CommunityStore {
  findCommunity(ref: CommunityRef): Promise<Community | null>;
  /** Finds or creates the community for a platform id, refreshing its display name. */
  upsertCommunity(ref: CommunityRef, name: string): Promise<Community>;
  getCommunity(communityId: string): Promise<Community | null>;
  updateCommunitySettings(communityId: string, patch: Partial<CommunitySettings>): Promise<Community>;
  listCommunities(): Promise<Community[]>;

  /** Registers a member on first interaction and keeps the display name current. */
  upsertMember(communityId: string, externalId: string, displayName: string): Promise<Member>;
  getMember(communityId: string, memberId: string): Promise<Member | null>;
  findMember(communityId: string, externalId: string): Promise<Member | null>;
  setRemindersEnabled(communityId: string, memberId: string, enabled: boolean): Promise<void>;
  countMembers(communityId: string): Promise<number>;
}
