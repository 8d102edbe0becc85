import { DiscordAPIError, PermissionFlagsBits, RESTJSONErrorCodes, Routes, type Client, type Guild } from 'discord.js';
import type { CommunityRef } from '../../src/domain/model.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { AccessRefusal, AccessSubject, CohortAccess, GrantOutcome } from '../../src/ports/cohort-access.ts';
import { loggableError } from './errors.ts';

const SNOWFLAKE = /^\d{17,20}$/;
const MANAGE_ROLES = 'Manage Roles';

interface ApiMember {
  roles: string[];
}

/**
 * Discord's roles for course cohorts: grants and removals through REST (PUT/DELETE
 * /guilds/{guild}/members/{user}/roles/{role}; discord.js queues them within Discord's rate
 * limits), the hierarchy checked against the bot's own highest role. A member's roles come from
 * the interaction; only when it carries none (a job) are they fetched from Discord.
 */
export class DiscordCohortAccess implements CohortAccess {
  readonly platforms = ['discord'] as const;

  constructor(
    private readonly client: Client,
    private readonly logger: Logger,
  ) {}

  private async guild(community: CommunityRef): Promise<Guild | null> {
    return this.client.guilds.cache.get(community.externalId) ?? (await this.client.guilds.fetch(community.externalId).catch(() => null));
  }

  async resolveRole(community: CommunityRef, typed: string): Promise<string | null> {
    const guild = await this.guild(community);
    if (!guild) return SNOWFLAKE.test(typed) ? typed : null;
    if (SNOWFLAKE.test(typed)) return guild.roles.cache.has(typed) ? typed : null;
    const folded = typed.toLocaleLowerCase();
    return guild.roles.cache.find((role) => role.name.toLocaleLowerCase() === folded)?.id ?? null;
  }

  async roleName(community: CommunityRef, roleId: string): Promise<string | null> {
    return (await this.guild(community))?.roles.cache.get(roleId)?.name ?? null;
  }

  async holdsRole(community: CommunityRef, member: AccessSubject, roleId: string): Promise<boolean> {
    if (member.heldRoles) return member.heldRoles.includes(roleId);
    try {
      const fetched = (await this.client.rest.get(Routes.guildMember(community.externalId, member.externalId))) as ApiMember;
      return fetched.roles.includes(roleId);
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.UnknownMember) return false;
      throw error;
    }
  }

  async checkRole(community: CommunityRef, roleId: string): Promise<AccessRefusal | null> {
    const guild = await this.guild(community);
    if (!guild) return { code: 'unknownRole', role: roleId };
    if (roleId === guild.id) return { code: 'everyoneRole' };
    const role = guild.roles.cache.get(roleId);
    if (!role) return { code: 'unknownRole', role: roleId };
    if (role.managed) return { code: 'managedRole', role: `@${role.name}` };
    // Fetched, not cached: the bot's roles or permissions may have changed since it connected.
    const me = await guild.members.fetchMe({ force: true });
    if (!me.permissions.has(PermissionFlagsBits.ManageRoles)) return { code: 'missingPermission', permission: MANAGE_ROLES };
    if (me.roles.highest.comparePositionTo(role) <= 0) return { code: 'roleAboveBot', role: `@${role.name}`, botRole: `@${me.roles.highest.name}` };
    return null;
  }

  async checkChannel(community: CommunityRef, channelId: string): Promise<AccessRefusal | null> {
    const guild = await this.guild(community);
    const channel = guild?.channels.cache.get(channelId) ?? (await guild?.channels.fetch(channelId).catch(() => null));
    return channel ? null : { code: 'unknownChannel', channel: `#${channelId}` };
  }

  grantRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome> {
    return this.roleCall('put', community, memberExternalId, roleId);
  }

  revokeRole(community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome> {
    return this.roleCall('delete', community, memberExternalId, roleId);
  }

  /** Discord channels are opened by the course role's permissions: there is no invite to send. */
  async inviteToChannel(): Promise<GrantOutcome> {
    return { kind: 'done' };
  }

  async removeFromChannel(): Promise<GrantOutcome> {
    return { kind: 'done' };
  }

  private async roleCall(method: 'put' | 'delete', community: CommunityRef, memberExternalId: string, roleId: string): Promise<GrantOutcome> {
    try {
      await this.client.rest[method](Routes.guildMemberRole(community.externalId, memberExternalId, roleId), { reason: 'Syllabot course role' });
      return { kind: 'done' };
    } catch (error) {
      if (!(error instanceof DiscordAPIError)) throw error;
      if (error.code === RESTJSONErrorCodes.UnknownMember || error.code === RESTJSONErrorCodes.UnknownUser) return { kind: 'gone' };
      this.logger.warn({ err: loggableError(error), guild: community.externalId, role: roleId, method }, 'Discord refused a course role change');
      if (error.code === RESTJSONErrorCodes.UnknownRole) return { kind: 'refused', refusal: { code: 'unknownRole', role: roleId } };
      if (error.status === 403) {
        // Say exactly what to change: the hierarchy or the permission, as the guild stands now.
        const why = await this.checkRole(community, roleId).catch(() => null);
        return { kind: 'refused', refusal: why ?? { code: 'missingPermission', permission: MANAGE_ROLES } };
      }
      return { kind: 'refused', refusal: { code: 'platformError' } };
    }
  }
}
