import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  ChannelType,
  InteractionContextType,
  PermissionFlagsBits,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOptionChoice,
  type APIApplicationCommandSubcommandOption,
  type LocalizationMap,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import type { Command, CommandRegistry } from '../../src/core/command.ts';
import type { MessageCatalog } from '../../src/core/i18n.ts';
import type { OptionSpec } from '../../src/core/options.ts';
import { DEFAULT_LOCALE } from '../../src/core/i18n.ts';
import { LOCALES, type Locale } from '../../src/domain/model.ts';
import { DISCORD } from './limits.ts';
import { fit } from '../shared/text.ts';

/**
 * Discord's slash command declarations, derived from the commands' own option declarations and
 * the message catalog, so registration, validation and /help never disagree.
 */
export type CommandPayload = RESTPostAPIChatInputApplicationCommandsJSONBody;

/** Our locale ids as Discord's locale codes (they happen to match: `en-US`/`en-GB` aside). */
const DISCORD_LOCALE: Partial<Record<Locale, string>> = { 'zh-CN': 'zh-CN' };
const MANAGE_GUILD = PermissionFlagsBits.ManageGuild.toString();
/** Discord's rule for command, option and localised names. */
const NAME_PATTERN = /^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$/u;

export function buildCommandPayloads(commands: CommandRegistry, catalog: MessageCatalog): CommandPayload[] {
  const text = new CatalogText(catalog);
  return commands.topLevelNames().map((name) => {
    const group = commands.isGroup(name) ? commands.subcommands(name) : null;
    const members = group ?? [commands.get(name)!];
    const moderatorOnly = members.every((c) => c.permission === 'moderator');
    const payload: CommandPayload = {
      type: ApplicationCommandType.ChatInput,
      name,
      ...text.names(`discord:commandNames.${name}`),
      ...text.description(`commands:${name}.description`),
      options: group ? group.map((c) => subcommand(c, text)) : options(members[0]!, text),
      default_member_permissions: moderatorOnly ? MANAGE_GUILD : null,
      // Communities are servers: the commands are not offered in DMs or group chats.
      contexts: [InteractionContextType.Guild],
      integration_types: [ApplicationIntegrationType.GuildInstall],
    };
    return payload;
  });
}

function subcommand(command: Command, text: CatalogText): APIApplicationCommandSubcommandOption {
  return {
    type: ApplicationCommandOptionType.Subcommand,
    name: command.name,
    ...text.names(`discord:commandNames.${command.id}`),
    ...text.description(`commands:${command.id}.description`),
    options: options(command, text),
  };
}

/**
 * Discord lists required options first. Options a form asks for are optional here: without
 * them the command opens its modal (`/course add` alone), and the core still checks them.
 */
function options(command: Command, text: CatalogText): APIApplicationCommandBasicOption[] {
  const built = Object.entries(command.options).map(([name, spec]) => {
    const required = spec.required && !(command.form ?? []).includes(name);
    return option(command, name, spec, required, text);
  });
  return [...built.filter((o) => o.required), ...built.filter((o) => !o.required)].slice(0, DISCORD.optionsPerCommand);
}

function option(command: Command, name: string, spec: OptionSpec, required: boolean, text: CatalogText): APIApplicationCommandBasicOption {
  const common = {
    name,
    ...text.names(`discord:optionNames.${name}`),
    ...text.description(`commands:${command.id}.options.${name}`),
    required,
  };
  switch (spec.kind) {
    case 'integer':
    case 'number': {
      const range = {
        ...(spec.minValue !== undefined ? { min_value: spec.minValue } : {}),
        ...(spec.maxValue !== undefined ? { max_value: spec.maxValue } : {}),
      };
      return spec.kind === 'integer'
        ? { ...common, ...range, type: ApplicationCommandOptionType.Integer }
        : { ...common, ...range, type: ApplicationCommandOptionType.Number };
    }
    case 'boolean':
      return { ...common, type: ApplicationCommandOptionType.Boolean };
    case 'channel':
      return { ...common, type: ApplicationCommandOptionType.Channel, channel_types: [ChannelType.GuildText, ChannelType.GuildAnnouncement] };
    case 'role':
      return { ...common, type: ApplicationCommandOptionType.Role };
    case 'course':
    case 'string': {
      const choices = spec.choices?.map((value) => choice(command, name, value, text));
      return {
        ...common,
        type: ApplicationCommandOptionType.String,
        ...(spec.maxLength !== undefined && !choices ? { max_length: Math.min(spec.maxLength, 6000) } : {}),
        // Discord allows either fixed choices or autocomplete, not both.
        ...(choices ? { choices } : spec.autocomplete ? { autocomplete: true } : {}),
      };
    }
  }
}

/** A fixed choice, named in every language by `commands:<id>.<option>.<value>` when the catalog has it. */
function choice(command: Command, optionName: string, value: string, text: CatalogText): APIApplicationCommandOptionChoice<string> {
  const key = `commands:${command.id}.${optionName}.${value}`;
  if (!text.has(key)) return { name: value, value };
  const labels = text.all(key, (label) => fit(`${value}: ${label}`, DISCORD.choiceName));
  return { name: labels[DEFAULT_LOCALE], value, ...localizations('name_localizations', labels) };
}

function localizations<K extends string>(field: K, byLocale: Record<Locale, string>): Partial<Record<K, LocalizationMap>> {
  const map: LocalizationMap = {};
  for (const locale of LOCALES) {
    const code = DISCORD_LOCALE[locale];
    if (code && byLocale[locale] !== byLocale[DEFAULT_LOCALE]) map[code as keyof LocalizationMap] = byLocale[locale];
  }
  return Object.keys(map).length > 0 ? ({ [field]: map } as Partial<Record<K, LocalizationMap>>) : {};
}

class CatalogText {
  private readonly en;
  constructor(private readonly catalog: MessageCatalog) {
    this.en = catalog.translator(DEFAULT_LOCALE);
  }

  has(key: string): boolean {
    return this.en.has(key);
  }

  all(key: string, shape: (text: string) => string): Record<Locale, string> {
    const texts = this.catalog.allLocales(key);
    return Object.fromEntries(LOCALES.map((l) => [l, shape(texts[l])])) as Record<Locale, string>;
  }

  /** `description` and `description_localizations`, each within Discord's 100 characters. */
  description(key: string): { description: string; description_localizations?: LocalizationMap } {
    const texts = this.all(key, (t) => fit(t, DISCORD.commandDescription));
    return { description: texts[DEFAULT_LOCALE], ...localizations('description_localizations', texts) };
  }

  /**
   * `name_localizations` from `discord:commandNames.*` / `discord:optionNames.*` where the catalog
   * translates a name and Discord accepts the translation (lowercase, no spaces, 1-32 characters).
   */
  names(key: string): { name_localizations?: LocalizationMap } {
    const map: LocalizationMap = {};
    for (const locale of LOCALES) {
      const code = DISCORD_LOCALE[locale];
      if (!code || !this.catalog.translator(locale).has(key)) continue;
      const name = this.catalog.translator(locale).t(key);
      if (NAME_PATTERN.test(name) && name === name.toLowerCase()) map[code as keyof LocalizationMap] = name;
    }
    return Object.keys(map).length > 0 ? { name_localizations: map } : {};
  }
}
