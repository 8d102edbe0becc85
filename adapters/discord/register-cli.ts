import { REST, Routes, type APIApplication, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import type { Config } from '../../src/composition/config.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { createMessageCatalog } from '../../src/core/i18n.ts';
import { createCommandRegistry } from '../../commands/index.ts';
import { buildCommandPayloads, type CommandPayload } from './registration.ts';

export interface RegisterOutput {
  write(text: string): void;
}

/**
 * `syllabot register-commands [--guild ID]`: replaces the application's slash commands with
 * the ones declared in commands/ (a bulk overwrite, so removed commands disappear too). Guild
 * commands update at once, which suits testing; global ones reach every server.
 */
export async function runRegisterCommands(
  args: { guild?: string | undefined },
  config: Config,
  logger: Logger,
  out: RegisterOutput = process.stdout,
  err: RegisterOutput = process.stderr,
): Promise<number> {
  if (!config.DISCORD_TOKEN) {
    err.write('register-commands needs DISCORD_TOKEN (the bot token from the Discord developer portal).\n');
    return 1;
  }
  const rest = new REST(config.DISCORD_API_URL ? { api: config.DISCORD_API_URL } : {}).setToken(config.DISCORD_TOKEN);
  const payloads = buildCommandPayloads(createCommandRegistry(), createMessageCatalog());
  try {
    const application = (await rest.get(Routes.currentApplication())) as APIApplication;
    const route = args.guild ? Routes.applicationGuildCommands(application.id, args.guild) : Routes.applicationCommands(application.id);
    const registered = (await rest.put(route, { body: payloads })) as RESTPutAPIApplicationCommandsResult;
    logger.info({ application: application.id, guild: args.guild ?? null, count: registered.length }, 'registered Discord commands');
    out.write(describe(payloads, application.name, args.guild));
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    err.write(`Could not register the commands with Discord: ${message}\n`);
    return 1;
  }
}

function describe(payloads: CommandPayload[], app: string, guild: string | undefined): string {
  const lines = [
    guild
      ? `Registered ${payloads.length} commands for ${app} in server ${guild} (available now):`
      : `Registered ${payloads.length} global commands for ${app} (Discord clients may take a few minutes to show changes):`,
  ];
  for (const payload of payloads) {
    const subcommands = (payload.options ?? []).filter((o) => o.type === 1).map((o) => o.name);
    const moderator = payload.default_member_permissions ? '  [Manage Server]' : '';
    lines.push(subcommands.length > 0 ? `  /${payload.name} ${subcommands.join('|')}${moderator}` : `  /${payload.name}${moderator}`);
  }
  return `${lines.join('\n')}\n`;
}
