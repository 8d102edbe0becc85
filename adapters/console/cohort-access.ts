import type { CommunityRef } from '../../src/domain/model.ts';
import type { Store } from '../../src/ports/store/index.ts';
import type { AccessRefusal, AccessSubject, CohortAccess, GrantOutcome } from '../../src/ports/cohort-access.ts';

/**
 * The console's roles live in the store (`/role grant @ana premium`), per community; a role is
 * its name. Channels are only names here: inviting always works. Held roles come from the
 * store, never from the command line.
 */
export class ConsoleCohortAccess implements CohortAccess {
  readonly platforms = ['console'] as const;

  constructor(private readonly store: Store) {}

  private async communityId(ref: CommunityRef): Promise<string | null> {
    return (await this.store.findCommunity(ref))?.id ?? null;
  }

  async resolveRole(_community: CommunityRef, typed: string): Promise<string | null> {
    return typed;
  }

  async roleName(_community: CommunityRef, roleId: string): Promise<string | null> {
    return roleId;
  }

  async holdsRole(community: CommunityRef, member: AccessSubject, roleId: string): Promise<boolean> {
    const id = await this.communityId(community);
    return id !== null && (await this.store.cohorts.listConsoleRoles(id, member.externalId)).includes(roleId);
  }

  async checkRole(): Promise<AccessRefusal | null> {
    return null;
  }

  async checkChannel(): Promise<AccessRefusal | null> {
    return null;
  }

  async grantRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome> {
    const id = await this.communityId(community);
    if (id === null) return { kind: 'gone' };
    await this.store.cohorts.grantConsoleRole(id, memberExternalId, roleId);
    return { kind: 'done' };
  }

  async revokeRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome> {
    const id = await this.communityId(community);
    if (id === null) return { kind: 'gone' };
    await this.store.cohorts.revokeConsoleRole(id, memberExternalId, roleId);
    return { kind: 'done' };
  }

  async inviteToChannel(): Promise<GrantOutcome> {
    return { kind: 'done' };
  }

  async removeFromChannel(): Promise<GrantOutcome> {
    return { kind: 'done' };
  }
}
