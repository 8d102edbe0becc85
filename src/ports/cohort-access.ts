import type { CommunityRef, Platform } from '../domain/model.ts';

/**
 * Why the platform will not let the bot grant a role or invite to a channel. Each names exactly
 * what a moderator must change; the catalog (`cohorts:refusal.<code>`) words it.
 */
export type AccessRefusal =
  /** The bot lacks a permission (Discord: Manage Roles) or an OAuth scope (Slack). */
  | { code: 'missingPermission'; permission: string }
  /** Discord: the role is not below the bot's highest role. */
  | { code: 'roleAboveBot'; role: string; botRole: string }
  /** Discord: a role an integration manages (a bot's own role, boosters) cannot be given. */
  | { code: 'managedRole'; role: string }
  | { code: 'everyoneRole' }
  | { code: 'unknownRole'; role: string }
  | { code: 'unknownChannel'; channel: string }
  /** Slack: the channel is archived; nobody can be invited to it. */
  | { code: 'archivedChannel'; channel: string }
  /** Slack: a private channel the bot is not in. */
  | { code: 'notInChannel'; channel: string }
  /** Slack: the app's token lacks an OAuth scope (the manifest declares it; reinstall to add it). */
  | { code: 'missingScope'; scope: string }
  /** Course roles are Discord's; Slack courses use channels and user groups. */
  | { code: 'notOnThisPlatform' }
  /** The platform did not answer (network, outage, rate limit): tried again later. */
  | { code: 'platformError' };

/** A grant, revoke or invite: done, the member is no longer there, or refused (and why). */
export type GrantOutcome = { kind: 'done' } | { kind: 'gone' } | { kind: 'refused'; refusal: AccessRefusal };

/** Who asks, with the roles the platform sent with the request (Discord interactions carry them). */
export interface AccessSubject {
  externalId: string;
  /** Role ids from the interaction; undefined where the platform does not send them. */
  heldRoles?: readonly string[] | undefined;
}

/**
 * The only way the core reaches a platform's roles, groups and channels. Each adapter implements
 * it; role membership comes from the request or the platform's API, never from what a member types.
 */
export interface CohortAccess {
  readonly platforms: readonly Platform[];
  /**
   * The role a moderator named: an id as the platform sends it, or a name (Slack's client turns
   * `@group` into its handle). Null when no such role exists; a refusal when the platform will
   * not say (a missing scope).
   */
  resolveRole(community: CommunityRef, typed: string): Promise<string | AccessRefusal | null>;
  /** The role's (or user group's) name as members see it, or null when unknown. */
  roleName(community: CommunityRef, roleId: string): Promise<string | null>;
  holdsRole(community: CommunityRef, member: AccessSubject, roleId: string): Promise<boolean>;
  /** Whether the bot may grant this role; null when it may. */
  checkRole(community: CommunityRef, roleId: string): Promise<AccessRefusal | null>;
  /** Whether the bot may invite members to this channel; null when it may. */
  checkChannel(community: CommunityRef, channelId: string): Promise<AccessRefusal | null>;
  grantRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome>;
  revokeRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome>;
  inviteToChannel(community: CommunityRef, memberExternalId: string, channelId: string): Promise<GrantOutcome>;
  removeFromChannel(community: CommunityRef, memberExternalId: string, channelId: string): Promise<GrantOutcome>;
}
