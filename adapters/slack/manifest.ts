import type { CommandRegistry } from '../../src/core/command.ts';
import type { Translator } from '../../src/core/i18n.ts';
import { describeSlashCommand, slashCommands, usageHint } from './slash-commands.ts';
import { fit } from '../shared/text.ts';

/** Slack's limits on manifest fields. */
const DESCRIPTION_MAX = 100;
const USAGE_HINT_MAX = 100;
const APP_DESCRIPTION_MAX = 140;
const LONG_DESCRIPTION_MAX = 4000;

/**
 * What the bot asks for, and why: `commands` for the slash commands; `chat:write` to answer
 * and post digests, `chat:write.public` to post digests in public channels it was not invited
 * to; `im:write` to open the DMs reminders go to; `users:read` for users.info (admins and owners
 * moderate; the member's language comes with include_locale); `files:write` to upload exports and
 * charts to the member's DM; `im:history`, `channels:history` and `groups:history` to read back
 * the bot's own recent posts in a DM or digest channel before posting a reminder or digest a
 * second time (each carries its delivery id in its metadata; a crash may have cut off the first
 * attempt after Slack accepted it). The App Home tab needs no scope.
 */
export const BOT_SCOPES = [
  'commands',
  'chat:write',
  'chat:write.public',
  'im:write',
  'users:read',
  'files:write',
  'im:history',
  'channels:history',
  'groups:history',
  // Course channels (conversations.invite/kick, conversations.info) and members-only user groups.
  'channels:manage',
  'groups:write',
  'channels:read',
  'groups:read',
  'usergroups:read',
] as const;
/** app_home_opened draws the Home tab; the other two let a workspace's tokens be forgotten. */
export const BOT_EVENTS = ['app_home_opened', 'app_uninstalled', 'tokens_revoked'] as const;

export interface ManifestOptions {
  registry: CommandRegistry;
  /** English: the manifest is read by whoever installs the app. */
  i18n: Translator;
  prefix: string;
  /** The public base URL Slack posts to; without it, a Socket Mode manifest. */
  url?: string | undefined;
  /** OAuth mode (issue 10): adds the redirect URL. */
  oauth?: boolean;
}

export interface SlashCommandManifest {
  command: string;
  description: string;
  usage_hint?: string;
  url?: string;
  should_escape: boolean;
}

export interface SlackManifest {
  _metadata: { major_version: number; minor_version: number };
  display_information: { name: string; description: string; long_description: string; background_color: string };
  features: {
    app_home: { home_tab_enabled: boolean; messages_tab_enabled: boolean; messages_tab_read_only_enabled: boolean };
    bot_user: { display_name: string; always_online: boolean };
    slash_commands: SlashCommandManifest[];
  };
  oauth_config: { scopes: { bot: string[] }; redirect_urls?: string[] };
  settings: {
    event_subscriptions: { request_url?: string; bot_events: string[] };
    interactivity: { is_enabled: boolean; request_url?: string };
    org_deploy_enabled: boolean;
    socket_mode_enabled: boolean;
    token_rotation_enabled: boolean;
  };
}

/** A ready-to-paste app manifest (api.slack.com/apps → Create New App → From a manifest). */
export function buildSlackManifest(options: ManifestOptions): SlackManifest {
  const { registry, i18n, prefix } = options;
  const base = options.url?.replace(/\/+$/, '');
  const eventsUrl = base ? `${base}/slack/events` : undefined;
  const slash = slashCommands(registry, prefix).map(({ slash: command, name }): SlashCommandManifest => {
    const hint = usageHint(registry, name);
    return {
      command,
      description: fit(describeSlashCommand(registry, name, i18n), DESCRIPTION_MAX, { ellipsis: '' }),
      ...(hint ? { usage_hint: fit(hint, USAGE_HINT_MAX, { ellipsis: '' }) } : {}),
      ...(eventsUrl ? { url: eventsUrl } : {}),
      // Channels, users and links arrive as <#C123|name>, <@U123|name>, <https://…>: the
      // channel option reads the id, and the adapter turns the rest back into what was typed.
      should_escape: true,
    };
  });
  return {
    _metadata: { major_version: 1, minor_version: 1 },
    display_information: {
      name: 'Syllabot',
      description: fit(i18n.t('slack:manifest.description'), APP_DESCRIPTION_MAX, { ellipsis: '' }),
      long_description: fit(i18n.t('slack:manifest.longDescription'), LONG_DESCRIPTION_MAX, { ellipsis: '' }),
      background_color: '#2c2d30',
    },
    features: {
      app_home: { home_tab_enabled: true, messages_tab_enabled: true, messages_tab_read_only_enabled: true },
      bot_user: { display_name: 'Syllabot', always_online: true },
      slash_commands: slash,
    },
    oauth_config: {
      scopes: { bot: [...BOT_SCOPES] },
      ...(options.oauth && base ? { redirect_urls: [`${base}/slack/oauth_redirect`] } : {}),
    },
    settings: {
      event_subscriptions: { ...(eventsUrl ? { request_url: eventsUrl } : {}), bot_events: [...BOT_EVENTS] },
      interactivity: { is_enabled: true, ...(eventsUrl ? { request_url: eventsUrl } : {}) },
      org_deploy_enabled: false,
      socket_mode_enabled: !eventsUrl,
      token_rotation_enabled: false,
    },
  };
}
