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
  /**
   * Undo a registration made by a command that was then refused: removes the member only if no
   * enrollment or rating refers to it. Returns whether it was removed.
   */
  forgetMemberIfUnused(communityId: string, memberId: string): Promise<boolean>;
  /** The same for a community first seen in a refused command: only if it holds nothing at all. */
  forgetCommunityIfEmpty(communityId: string): Promise<boolean>;
  setRemindersEnabled(communityId: string, memberId: string, enabled: boolean): Promise<void>;
  countMembers(communityId: string): Promise<number>;
}
