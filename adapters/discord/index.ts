import { Client, Events, GatewayIntentBits, Options, Status, type ClientOptions, type Interaction } from 'discord.js';
import type { Core } from '../../src/core/facade.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { ComponentHealth, PlatformAdapter } from '../../src/ports/platform.ts';
import type { RequestClaims } from '../../src/ports/request-claims.ts';
import { OverflowTable } from './custom-id.ts';
import { InteractionHandler } from './interactions.ts';
import { DiscordMessenger, logRateLimits } from './messenger.ts';
import { NO_MENTIONS } from './render.ts';
import { guardPacketHandling } from './packet-guard.ts';
import { loggableError } from './errors.ts';
import { InFlight } from '../shared/timing.ts';
import { DiscordCohortAccess } from './cohort-access.ts';

export { createDiscordMessenger } from './messenger.ts';

/** Where the bot reaches Discord's REST API, and as whom. */
export interface DiscordConnection {
  /** The bot token (DISCORD_TOKEN). */
  token: string;
  /** Another REST base (a proxy, the test fake); Discord's own when absent. */
  apiUrl?: string | undefined;
}

/** How this process splits the gateway; absent: Discord's recommended shard count, all of them. */
export interface DiscordSharding {
  count: number;
  /** The shards this process runs; all of them when absent. */
  ids?: readonly number[] | undefined;
}

/** Everything the Discord adapter needs, built by the composition root from the configuration. */
export interface DiscordAdapterConfig extends DiscordConnection {
  core: Pick<Core, 'router' | 'catalog' | 'store' | 'access'>;
  logger: Logger;
  sharding?: DiscordSharding | undefined;
  /** Members with one of these roles moderate, beside those with Manage Server. */
  moderatorRoleIds: readonly string[];
  /** Shared with the other bot processes (Redis), so a redelivered interaction is handled once. */
  requestClaims?: RequestClaims | undefined;
  /** How long the core may take before an interaction is deferred; 0 defers at once. */
  deferAfterMs?: number | undefined;
  /** How long stop() waits for interactions in flight before closing the connection. */
  drainMs?: number | undefined;
}

/** Leaves most of the 3 s Discord allows for the first answer, with room for a slow network. */
const DEFER_AFTER_MS = 1_500;
const DRAIN_MS = 5_000;
/** An interaction's token is valid this long; a claim need not outlive it. */
const INTERACTION_LIFETIME_MS = 15 * 60_000;

/** The REST base for messages, without any credentials a proxy URL may carry. */
function apiBase(url: string | undefined): string {
  if (!url) return 'https://discord.com/api';
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return `${parsed.origin}${parsed.pathname}`;
}

/** discord.js's sharding options: Discord's recommendation unless told how to split. */
export function shardOptions(sharding: DiscordSharding | undefined): Pick<ClientOptions, 'shards' | 'shardCount'> {
  if (sharding === undefined) return { shards: 'auto' };
  return { shards: sharding.ids ? [...sharding.ids] : [...Array(sharding.count).keys()], shardCount: sharding.count };
}

/**
 * The Discord adapter: a discord.js gateway client with the Guilds intent only (slash commands,
 * buttons and modals arrive as interactions; no message content, members or presences).
 */
export function createDiscordAdapter(config: DiscordAdapterConfig): PlatformAdapter {
  const { core, token } = config;
  const logger = config.logger.child({ platform: 'discord' });
  if (!token) throw new Error('The Discord adapter needs DISCORD_TOKEN.');

  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    ...shardOptions(config.sharding),
    ...(config.apiUrl ? { rest: { api: config.apiUrl } } : {}),
    // The default for every message discord.js sends; each send also says it explicitly.
    allowedMentions: NO_MENTIONS,
    // Interactions carry what the bot needs; it never reads messages, so it keeps none.
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
  });
  // Jobs may post before the gateway is up.
  client.rest.setToken(token);
  guardPacketHandling(client, logger);

  const overflow = new OverflowTable();
  const handler = new InteractionHandler({
    core,
    logger,
    moderatorRoleIds: config.moderatorRoleIds,
    overflow,
    deferAfterMs: config.deferAfterMs ?? DEFER_AFTER_MS,
  });
  const messenger = new DiscordMessenger({ rest: client.rest, store: core.store, catalog: core.catalog, overflow });
  // Course roles: commands and the cohort job reach Discord's roles through the core's registry.
  core.access.register(new DiscordCohortAccess(client, logger));

  const inFlight = new InFlight();
  let accepting = false;
  let started = false;
  let stopping = false;

  // Discord delivers each interaction once per session of its shard; two processes on one shard
  // (a misconfigured split, or a rolling restart where old and new overlap) would both handle
  // it. Shared claims let the first one have it. Autocomplete is read-only and needs no claim.
  const claims = config.requestClaims;
  const firstDelivery = async (interaction: Interaction): Promise<boolean> => {
    if (!claims || interaction.isAutocomplete()) return true;
    const first = await claims.claim(`discord:interaction:${interaction.id}`, INTERACTION_LIFETIME_MS).catch(() => true);
    if (!first) logger.info({ interaction: interaction.id, shardId: interaction.guild?.shardId }, 'interaction already taken by another process on this shard; ignored');
    return first;
  };

  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    if (!accepting) return;
    void inFlight.run(() => firstDelivery(interaction).then((first) => (first ? handler.handle(interaction) : undefined)));
  });
  // Removed from a server: its data is kept for the grace period (GRACE_PERIOD_DAYS), then
  // purged; joining again within it keeps everything. An outage also drops a guild, marked
  // unavailable: that is no removal.
  client.on(Events.GuildDelete, (guild) => {
    if (!guild.available) return;
    void core.store.markCommunityRemoved({ platform: 'discord', externalId: guild.id }, new Date()).then(
      (known) => known && logger.info({ guild: guild.id }, 'removed from a Discord server: its data is kept for the grace period'),
      (err: unknown) => logger.warn({ err, guild: guild.id }, 'could not start the grace period of a Discord server'),
    );
  });
  client.on(Events.GuildCreate, (guild) => {
    void core.store.markCommunityRemoved({ platform: 'discord', externalId: guild.id }, null).catch((err: unknown) => logger.warn({ err, guild: guild.id }, 'could not end the grace period of a Discord server'));
  });
  // Without an 'error' listener an EventEmitter error would end the process.
  client.on(Events.Error, (err) => logger.error({ err: loggableError(err) }, 'discord client error'));
  client.on(Events.ShardError, (err, shardId) => logger.warn({ err, shardId }, 'discord shard connection error'));
  client.on(Events.ShardDisconnect, (event, shardId) => logger.warn({ code: event.code, shardId }, 'discord shard disconnected for good'));
  client.on(Events.ShardReconnecting, (shardId) => {
    if (!stopping) logger.info({ shardId }, 'discord shard reconnecting');
  });
  client.on(Events.ShardReady, (shardId) => logger.info({ shardId }, 'discord shard ready'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord warning'));
  client.on(Events.Debug, (message) => {
    // discord.js prints a shortened token in one debug line; keep any token talk out of logs.
    if (!/token/i.test(message)) logger.trace({ message }, 'discord debug');
  });
  logRateLimits(client.rest, logger);

  return {
    platform: 'discord',
    messenger,

    async start() {
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      accepting = true;
      try {
        await client.login(token);
      } catch (error) {
        // discord.js's messages never quote the token; say which service failed.
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Could not connect to Discord at ${apiBase(config.apiUrl)}: ${reason}`, { cause: error });
      }
      await ready;
      started = true;
      logger.info({ shards: client.ws.shards.map((s) => s.id), shardCount: client.options.shardCount, guilds: client.guilds.cache.size }, 'discord gateway ready');
    },

    async stop() {
      accepting = false;
      stopping = true;
      await inFlight.drain(config.drainMs ?? DRAIN_MS);
      await client.destroy();
      started = false;
    },

    health(): ComponentHealth {
      if (!started) return { ok: false, detail: 'not connected' };
      const down = client.ws.shards.filter((s) => s.status !== Status.Ready).map((s) => s.id);
      return down.length === 0 ? { ok: true, detail: `${client.ws.shards.size} shard(s) ready` } : { ok: false, detail: `shards not ready: ${down.join(', ')}` };
    },
  };
}
