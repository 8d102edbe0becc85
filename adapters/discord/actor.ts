import { GuildMember, PermissionFlagsBits, type Interaction } from 'discord.js';
import type { Actor, CommunityIdentity } from '../../src/core/router.ts';

/** Who clicked or typed, as the core sees them; Discord's own data, never what the client claims. */
export function actorOf(interaction: Interaction, moderatorRoleIds: readonly string[]): Actor {
  const member = interaction.member;
  let displayName = interaction.user.globalName ?? interaction.user.username;
  let roleIds: string[] = [];
  if (member instanceof GuildMember) {
    displayName = member.displayName;
    roleIds = cachedRoleIds(member);
  } else if (member) {
    displayName = member.nick ?? member.user.global_name ?? member.user.username;
    roleIds = member.roles;
  }
  // Administrator implies Manage Server; discord.js counts it by default.
  const managesServer = interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
  const hasModeratorRole = roleIds.some((id) => moderatorRoleIds.includes(id));
  return {
    externalId: interaction.user.id,
    displayName,
    isModerator: managesServer || hasModeratorRole,
    locale: interaction.locale,
    // From Discord's interaction payload: what members-only courses check.
    roles: roleIds,
  };
}

/** The guild the interaction happened in; null in DMs. */
export function communityOf(interaction: Interaction): CommunityIdentity | null {
  if (!interaction.guildId) return null;
  return {
    platform: 'discord',
    externalId: interaction.guildId,
    name: interaction.guild?.name ?? interaction.guildId,
    locale: interaction.guildLocale ?? undefined,
  };
}

/** The member's roles as discord.js caches them (it needs the guild's roles from GUILD_CREATE). */
function cachedRoleIds(member: GuildMember): string[] {
  try {
    return [...member.roles.cache.keys()];
  } catch {
    return [];
  }
}
