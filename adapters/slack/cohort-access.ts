import type { webApi } from '@slack/bolt';
import type { CommunityRef } from '../../src/domain/model.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { AccessRefusal, AccessSubject, CohortAccess, GrantOutcome } from '../../src/ports/cohort-access.ts';
import { slackErrorCode, type WorkspaceTokens } from './workspaces.ts';

/** Scopes the cohort calls need; the manifest declares them (manifest.ts BOT_SCOPES). */
export const COHORT_SCOPES = ['channels:manage', 'groups:write', 'usergroups:read'] as const;
/** User group members change rarely and a check runs on every enroll and rate: read them at most this often. */
const GROUP_CACHE_MS = 60_000;

interface UserGroup {
  id: string;
  handle: string;
  name: string;
}

/**
 * Slack's side of course cohorts: members-only courses read a user group's members
 * (usergroups.users.list, cached briefly), course channels invite with conversations.invite.
 * A scope the token lacks is reported as the scope to add, never as a generic failure.
 */
export class SlackCohortAccess implements CohortAccess {
  readonly platforms = ['slack'] as const;
  private readonly groupMembers = new Map<string, { at: number; users: Promise<Set<string>> }>();

  constructor(
    private readonly api: webApi.WebClient,
    private readonly tokens: WorkspaceTokens,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private async token(community: CommunityRef): Promise<string | null> {
    return (await this.tokens.authorize(community.externalId))?.botToken ?? null;
  }

  private async groups(token: string): Promise<UserGroup[]> {
    const answer = await this.api.usergroups.list({ token });
    return (answer.usergroups ?? []).map((g) => ({ id: g.id ?? '', handle: g.handle ?? '', name: g.name ?? '' }));
  }

  async resolveRole(community: CommunityRef, typed: string): Promise<string | AccessRefusal | null> {
    const token = await this.token(community);
    if (!token) return null;
    try {
      const folded = typed.replace(/^@/, '').toLocaleLowerCase();
      const found = (await this.groups(token)).find((g) => g.id === typed || g.handle.toLocaleLowerCase() === folded || g.name.toLocaleLowerCase() === folded);
      return found?.id ?? null;
    } catch (error) {
      return refusalOf(error);
    }
  }

  async roleName(community: CommunityRef, roleId: string): Promise<string | null> {
    const token = await this.token(community);
    if (!token) return null;
    return (await this.groups(token).catch(() => []))
      .filter((g) => g.id === roleId)
      .map((g) => g.handle || g.name)[0] ?? null;
  }

  /** From Slack, never from the request: Slack sends no groups with a slash command. */
  async holdsRole(community: CommunityRef, member: AccessSubject, roleId: string): Promise<boolean> {
    const key = `${community.externalId}:${roleId}`;
    const cached = this.groupMembers.get(key);
    if (cached && this.now() - cached.at < GROUP_CACHE_MS) return (await cached.users).has(member.externalId);
    const users = (async () => {
      const token = await this.token(community);
      if (!token) return new Set<string>();
      const answer = await this.api.usergroups.users.list({ token, usergroup: roleId });
      return new Set(answer.users ?? []);
    })();
    this.groupMembers.set(key, { at: this.now(), users });
    try {
      return (await users).has(member.externalId);
    } catch (error) {
      this.groupMembers.delete(key);
      throw error;
    }
  }

  async checkRole(): Promise<AccessRefusal | null> {
    return { code: 'notOnThisPlatform' };
  }

  async checkChannel(community: CommunityRef, channelId: string): Promise<AccessRefusal | null> {
    const token = await this.token(community);
    if (!token) return { code: 'platformError' };
    try {
      // The token's scopes come back with every answer (the x-oauth-scopes header).
      const auth = await this.api.auth.test({ token });
      const scopes = auth.response_metadata?.scopes;
      const missing = scopes ? COHORT_SCOPES.find((scope) => scope !== 'usergroups:read' && !scopes.includes(scope)) : undefined;
      if (missing) return { code: 'missingScope', scope: missing };
      const info = await this.api.conversations.info({ token, channel: channelId });
      if (info.channel?.is_archived) return { code: 'archivedChannel', channel: `#${info.channel.name ?? channelId}` };
      if (info.channel?.is_private && !info.channel.is_member) return { code: 'notInChannel', channel: `#${info.channel.name ?? channelId}` };
      return null;
    } catch (error) {
      return refusalOf(error, channelId);
    }
  }

  async grantRole(): Promise<GrantOutcome> {
    return { kind: 'refused', refusal: { code: 'notOnThisPlatform' } };
  }

  async revokeRole(): Promise<GrantOutcome> {
    return { kind: 'refused', refusal: { code: 'notOnThisPlatform' } };
  }

  async inviteToChannel(community: CommunityRef, memberExternalId: string, channelId: string): Promise<GrantOutcome> {
    return this.channelCall('invite', community, memberExternalId, channelId);
  }

  async removeFromChannel(community: CommunityRef, memberExternalId: string, channelId: string): Promise<GrantOutcome> {
    return this.channelCall('kick', community, memberExternalId, channelId);
  }

  private async channelCall(call: 'invite' | 'kick', community: CommunityRef, user: string, channel: string): Promise<GrantOutcome> {
    const token = await this.token(community);
    if (!token) return { kind: 'refused', refusal: { code: 'platformError' } };
    try {
      if (call === 'invite') await this.api.conversations.invite({ token, channel, users: user });
      else await this.api.conversations.kick({ token, channel, user });
      return { kind: 'done' };
    } catch (error) {
      const code = slackErrorCode(error);
      // Already where the call would put them: nothing to do.
      if ((call === 'invite' && code === 'already_in_channel') || (call === 'kick' && code === 'not_in_channel')) return { kind: 'done' };
      if (['user_not_found', 'cant_invite', 'user_is_restricted', 'user_disabled'].includes(code)) return { kind: 'gone' };
      this.logger.warn({ call: `conversations.${call}`, error: code, team: community.externalId, channel }, 'Slack refused a course channel change');
      return { kind: 'refused', refusal: refusalOf(error, channel) };
    }
  }
}

/** Slack's error as what to change: the missing scope by name, the channel, or "try again". */
function refusalOf(error: unknown, channel?: string): AccessRefusal {
  const code = slackErrorCode(error);
  if (code === 'missing_scope') {
    const needed = (error as { data?: { needed?: unknown } }).data?.needed;
    return { code: 'missingScope', scope: typeof needed === 'string' ? needed : COHORT_SCOPES.join(', ') };
  }
  if (code === 'channel_not_found') return { code: 'unknownChannel', channel: `#${channel ?? ''}` };
  if (code === 'not_in_channel') return { code: 'notInChannel', channel: `#${channel ?? ''}` };
  if (code === 'is_archived') return { code: 'archivedChannel', channel: `#${channel ?? ''}` };
  // Rate limits (`ratelimited`), network errors and Slack's 5xx: worth trying again later.
  return { code: 'platformError' };
}
