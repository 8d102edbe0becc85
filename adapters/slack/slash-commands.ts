import type { CommandRegistry } from '../../src/core/command.ts';
import type { Translator } from '../../src/core/i18n.ts';
import { usageOf } from '../../src/core/usage.ts';

/** Slack's limit on a slash command's name, slash included. */
const MAX_NAME = 32;

export interface SlashCommand {
  /** What members type in Slack: `/courses`, or `/sb-courses` with the prefix `sb`. */
  slash: string;
  /** The core's top-level name it stands for: `courses`, or the group `course`. */
  name: string;
}

/**
 * One Slack slash command per top-level core command or group, derived from the registry at
 * run time, so commands added to commands/index.ts appear in Slack and in the manifest alike.
 */
export function slashCommands(registry: CommandRegistry, prefix: string): SlashCommand[] {
  return registry.topLevelNames().map((name) => {
    const slash = `/${prefix ? `${prefix}-` : ''}${name}`;
    if (slash.length > MAX_NAME) {
      throw new Error(`The Slack command ${slash} is longer than Slack's ${MAX_NAME} characters: choose a shorter SLACK_COMMAND_PREFIX.`);
    }
    return { slash, name };
  });
}

/** The command's one-line description from the catalog. */
export function describeSlashCommand(registry: CommandRegistry, name: string, i18n: Translator): string {
  const key = `commands:${name}.description`;
  if (i18n.has(key)) return i18n.t(key);
  const command = registry.get(name) ?? registry.subcommands(name)[0];
  return command && i18n.has(`commands:${command.id}.description`) ? i18n.t(`commands:${command.id}.description`) : name;
}

/** Slack's usage hint: what follows the command (`<course> <stars> [review…]`, `add|edit|…`). */
export function usageHint(registry: CommandRegistry, name: string): string {
  if (registry.isGroup(name)) {
    return `${registry.subcommands(name).map((c) => c.name).join('|')} …`;
  }
  const command = registry.get(name);
  if (!command) return '';
  return usageOf(command).replace(/^\/\S+\s?/, '');
}
