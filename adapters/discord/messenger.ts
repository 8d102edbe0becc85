import { createHash } from 'node:crypto';
import { REST, Routes, type RawFile, type APIAllowedMentions, type APIChannel } from 'discord.js';
import type { Core } from '../../src/core/facade.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { MessageCatalog } from '../../src/core/i18n.ts';
import { resolveLocale } from '../../src/core/i18n.ts';
import type { CommunityRef } from '../../src/domain/model.ts';
import type { Reply } from '../../src/domain/reply.ts';
import type { DeliveryTag, Messenger } from '../../src/ports/messenger.ts';
import type { CommunityStore } from '../../src/ports/store/index.ts';
import { OverflowTable } from './custom-id.ts';
import { NO_MENTIONS, renderReply } from './render.ts';
import { attachments, prepareFiles } from './files.ts';

export interface DiscordMessengerDeps {
  /** Any REST client holding the bot token: the gateway client's (`client.rest`) or a bare one. */
  rest: REST;
  store: CommunityStore;
  catalog: MessageCatalog;
  overflow: OverflowTable;
}

const DM_CHANNEL_CACHE = 5_000;
/** Discord accepts a nonce of at most 25 characters. */
const NONCE_LENGTH = 25;

/**
 * The nonce a delivery's message carries: the same for every attempt at one delivery, so with
 * `enforce_nonce` Discord returns the message an earlier attempt created (within its window of
 * a few minutes) instead of posting a second one. 25 base64url characters of a SHA-256: 150 bits.
 */
export function deliveryNonce(deliveryId: string): string {
  return createHash('sha256').update(deliveryId).digest('base64url').slice(0, NONCE_LENGTH);
}

interface OutgoingMessage {
  body: Record<string, unknown>;
  files: RawFile[];
}

/**
 * Posts for jobs (digests, reminders) over Discord's REST API, through discord.js's request
 * queue, which already waits out 429s: no retries of our own on top.
 */
export class DiscordMessenger implements Messenger {
  readonly platforms = ['discord'] as const;
  private readonly dmChannels = new Map<string, string>();

  constructor(private readonly deps: DiscordMessengerDeps) {}

  async postToChannel(community: CommunityRef, channelId: string, reply: Reply, delivery?: DeliveryTag): Promise<void> {
    await this.post(channelId, await this.message(community, reply, NO_MENTIONS), delivery);
  }

  /** A DM may ping the one member it is for, and nobody else. */
  async sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply, delivery?: DeliveryTag): Promise<void> {
    const channelId = await this.dmChannel(memberExternalId);
    await this.post(channelId, await this.message(community, reply, { parse: [], users: [memberExternalId] }), delivery);
  }

  private async dmChannel(userId: string): Promise<string> {
    const known = this.dmChannels.get(userId);
    if (known) return known;
    const channel = (await this.deps.rest.post(Routes.userChannels(), { body: { recipient_id: userId } })) as APIChannel;
    this.dmChannels.set(userId, channel.id);
    if (this.dmChannels.size > DM_CHANNEL_CACHE) this.dmChannels.delete(this.dmChannels.keys().next().value!);
    return channel.id;
  }

  private async post(channelId: string, message: OutgoingMessage, delivery: DeliveryTag | undefined): Promise<void> {
    const once = delivery ? { nonce: deliveryNonce(delivery.id), enforce_nonce: true } : {};
    await this.deps.rest.post(Routes.channelMessages(channelId), { body: { ...message.body, ...once }, ...(message.files.length > 0 ? { files: message.files } : {}) });
  }

  private async message(community: CommunityRef, reply: Reply, allowedMentions: APIAllowedMentions): Promise<OutgoingMessage> {
    const settings = (await this.deps.store.findCommunity(community))?.settings;
    const i18n = this.deps.catalog.translator(resolveLocale(settings?.locale));
    const prepared = await prepareFiles(reply, i18n);
    // Channel posts and DMs have no "only you can see this": every post is visible to its readers.
    const message = renderReply({ ...prepared.reply, visibility: 'public' }, { i18n, overflow: this.deps.overflow });
    const files = attachments(prepared);
    return {
      body: {
        ...(message.content !== undefined ? { content: message.content } : {}),
        embeds: message.embeds,
        components: message.components,
        allowed_mentions: allowedMentions,
        ...(files.length > 0 ? { attachments: files.map((f, id) => ({ id, filename: f.name, ...(f.description ? { description: f.description } : {}) })) } : {}),
      },
      files: files.map((f) => ({ name: f.name, data: f.attachment })),
    };
  }
}

/** What a worker's Discord messenger needs, built by the composition root. */
export interface DiscordMessengerConfig {
  core: Pick<Core, 'store' | 'catalog'>;
  logger: Logger;
  token: string;
  apiUrl?: string | undefined;
}

/**
 * A messenger without a gateway connection, for `syllabot worker`: a bare discord.js REST
 * client with the bot token. Posting needs no gateway session, so workers deliver reminders
 * and digests without logging in (and without taking a shard from the bot processes).
 */
export function createDiscordMessenger(config: DiscordMessengerConfig): DiscordMessenger {
  const { core, token } = config;
  if (!token) throw new Error('Discord deliveries need DISCORD_TOKEN.');
  const rest = new REST(config.apiUrl ? { api: config.apiUrl } : {}).setToken(token);
  logRateLimits(rest, config.logger.child({ platform: 'discord', component: 'messenger' }));
  // Buttons whose invocation overflows custom_id are remembered here, in the worker: a click
  // reaching a bot process answers "run the command again" (see custom-id.ts).
  return new DiscordMessenger({ rest, store: core.store, catalog: core.catalog, overflow: new OverflowTable() });
}

/** discord.js queues a request that hit a rate limit and sends it later; say so once per hit. */
export function logRateLimits(rest: REST, logger: Logger): void {
  rest.on('rateLimited', (info) =>
    logger.warn({ route: info.route, method: info.method, retryAfterMs: info.retryAfter, global: info.global }, 'discord rate limit: request queued'),
  );
}
