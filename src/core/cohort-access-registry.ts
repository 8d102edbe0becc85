import type { CommunityRef, Platform } from '../domain/model.ts';
import type { AccessRefusal, AccessSubject, CohortAccess, GrantOutcome } from '../ports/cohort-access.ts';

/** Routes each call to the access of the community's platform, like MessengerRegistry. */
export class CohortAccessRegistry implements CohortAccess {
  private readonly byPlatform = new Map<Platform, CohortAccess>();

  get platforms(): Platform[] {
    return [...this.byPlatform.keys()];
  }

  register(access: CohortAccess): void {
    for (const platform of access.platforms) this.byPlatform.set(platform, access);
  }

  has(platform: Platform): boolean {
    return this.byPlatform.has(platform);
  }

  private pick(community: CommunityRef): CohortAccess {
    const access = this.byPlatform.get(community.platform);
    if (!access) throw new Error(`No cohort access for ${community.platform}: is that adapter running in this process?`);
    return access;
  }

  resolveRole(community: CommunityRef, typed: string): Promise<string | AccessRefusal | null> {
    return this.pick(community).resolveRole(community, typed);
  }
  roleName(community: CommunityRef, roleId: string): Promise<string | null> {
    return this.pick(community).roleName(community, roleId);
  }
  holdsRole(community: CommunityRef, member: AccessSubject, roleId: string): Promise<boolean> {
    return this.pick(community).holdsRole(community, member, roleId);
  }
  checkRole(community: CommunityRef, roleId: string): Promise<AccessRefusal | null> {
    return this.pick(community).checkRole(community, roleId);
  }
  checkChannel(community: CommunityRef, channelId: string): Promise<AccessRefusal | null> {
    return this.pick(community).checkChannel(community, channelId);
  }
  grantRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome> {
    return this.pick(community).grantRole(community, memberExternalId, roleId);
  }
  revokeRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome> {
    return this.pick(community).revokeRole(community, memberExternalId, roleId);
  }
  inviteToChannel(community: CommunityRef, memberExternalId: string, channelId: string): Promise<GrantOutcome> {
    return this.pick(community).inviteToChannel(community, memberExternalId, channelId);
  }
  removeFromChannel(community: CommunityRef, memberExternalId: string, channelId: string): Promise<GrantOutcome> {
    return this.pick(community).removeFromChannel(community, memberExternalId, channelId);
  }
}
