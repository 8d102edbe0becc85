import { logLevelOf, type Config } from './config.ts';
import type { Core } from '../core/facade.ts';
import { createMessageCatalog } from '../core/i18n.ts';
import { AesGcmSecretBox } from '../infra/crypto/secret-box.ts';
import type { Logger } from '../ports/logger.ts';
import type { RequestClaims } from '../ports/request-claims.ts';
import { createCommandRegistry } from '../../commands/index.ts';
import type { DiscordAdapterConfig } from '../../adapters/discord/index.ts';
import type { DiscordMessengerConfig } from '../../adapters/discord/messenger.ts';
import type { RegisterCommandsConfig } from '../../adapters/discord/register-cli.ts';
import type { SlackAdapterConfig } from '../../adapters/slack/index.ts';
import type { SlackMessengerConfig } from '../../adapters/slack/messenger.ts';
import type { SlackManifestConfig } from '../../adapters/slack/manifest-cli.ts';
import type { SlackOAuthConfig } from '../../adapters/slack/oauth.ts';

/**
 * Each adapter's options, from the one validated configuration: adapters never read Config
 * themselves, so what each of them depends on is written in its own options type.
 */
export interface AdapterWiring {
  core: Core;
  config: Config;
  logger: Logger;
  /** Shared with the other bot processes (Redis), so a redelivered request is handled once; else per process. */
  requestClaims?: RequestClaims | undefined;
}

export function discordAdapterConfig({ core, config, logger, requestClaims }: AdapterWiring): DiscordAdapterConfig {
  return {
    core,
    logger,
    token: config.DISCORD_TOKEN ?? '',
    apiUrl: config.DISCORD_API_URL,
    sharding: config.DISCORD_SHARD_COUNT === undefined ? undefined : { count: config.DISCORD_SHARD_COUNT, ids: config.DISCORD_SHARD_IDS },
    moderatorRoleIds: config.DISCORD_MODERATOR_ROLE_IDS,
    requestClaims,
  };
}

export function discordMessengerConfig({ core, config, logger }: AdapterWiring): DiscordMessengerConfig {
  return { core, logger, token: config.DISCORD_TOKEN ?? '', apiUrl: config.DISCORD_API_URL };
}

export function registerCommandsConfig(config: Config, logger: Logger): RegisterCommandsConfig {
  return { token: config.DISCORD_TOKEN, apiUrl: config.DISCORD_API_URL, commands: createCommandRegistry(), catalog: createMessageCatalog(), logger };
}

/** OAuth mode is on when the app's client id is configured (config checks the rest comes with it). */
function slackOAuth(config: Config): SlackOAuthConfig | undefined {
  if (!config.SLACK_CLIENT_ID) return undefined;
  return {
    clientId: config.SLACK_CLIENT_ID,
    clientSecret: config.SLACK_CLIENT_SECRET ?? '',
    stateSecret: config.SLACK_STATE_SECRET ?? '',
    secretBox: AesGcmSecretBox.fromConfig(config.SYLLABOT_ENCRYPTION_KEY),
  };
}

export function slackAdapterConfig({ core, config, logger, requestClaims }: AdapterWiring): SlackAdapterConfig {
  return {
    core,
    logger,
    logLevel: logLevelOf(config),
    botToken: config.SLACK_BOT_TOKEN,
    signingSecret: config.SLACK_SIGNING_SECRET,
    appToken: config.SLACK_APP_TOKEN,
    oauth: slackOAuth(config),
    apiUrl: config.SLACK_API_URL,
    port: config.SLACK_PORT,
    commandPrefix: config.SLACK_COMMAND_PREFIX,
    moderatorIds: config.SLACK_MODERATOR_IDS,
    requestClaims,
  };
}

export function slackMessengerConfig({ core, config, logger }: AdapterWiring): SlackMessengerConfig {
  return { core, logger, logLevel: logLevelOf(config), apiUrl: config.SLACK_API_URL, botToken: config.SLACK_BOT_TOKEN, oauth: slackOAuth(config) };
}

export function slackManifestConfig(config: Config): SlackManifestConfig {
  return {
    registry: createCommandRegistry(),
    // English: the manifest is read by whoever installs the app.
    i18n: createMessageCatalog().translator('en'),
    prefix: config.SLACK_COMMAND_PREFIX,
    oauth: Boolean(config.SLACK_CLIENT_ID),
  };
}
