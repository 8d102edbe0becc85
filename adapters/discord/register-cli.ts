import { REST, Routes, type APIApplication, type RESTPutAPIApplicationCommandsResult } from 'discord.js';
import type { CommandRegistry } from '../../src/core/command.ts';
import type { MessageCatalog } from '../../src/core/i18n.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { buildCommandPayloads, type CommandPayload } from './registration.ts';

/** What registering needs, built by the composition root: the commands, their texts, the bot's token. */
export interface RegisterCommandsConfig {
  /** Absent: the command explains that DISCORD_TOKEN is needed. */
  token?: string | undefined;
  apiUrl?: string | undefined;
  commands: CommandRegistry;
  catalog: MessageCatalog;
  logger: Logger;
}

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
  config: RegisterCommandsConfig,
  out: RegisterOutput = process.stdout,
  err: RegisterOutput = process.stderr,
): Promise<number> {
  const { logger } = config;
  if (!config.token) {
    err.write('register-commands needs DISCORD_TOKEN (the bot token from the Discord developer portal).\n');
    return 1;
  }
  const rest = new REST(config.apiUrl ? { api: config.apiUrl } : {}).setToken(config.token);
  const payloads = buildCommandPayloads(config.commands, config.catalog);
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
