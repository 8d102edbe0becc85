import { webApi } from '@slack/bolt';
import type { Core } from '../../src/core/facade.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { CommunityRef } from '../../src/domain/model.ts';
import type { Reply } from '../../src/domain/reply.ts';
import type { DeliveryTag, Messenger, PostResult } from '../../src/ports/messenger.ts';
import type { CommunityStore } from '../../src/ports/store/index.ts';
import { resolveLocale, type MessageCatalog, type Translator } from '../../src/core/i18n.ts';
import type { CollectedFile } from '../../src/domain/files.ts';
import { prepareSlackFiles } from './files.ts';
import { renderReply, renderTexts, type SlackMessage } from './render.ts';
import { SingleWorkspaceTokens, slackErrorCode, type WorkspaceTokens } from './workspaces.ts';
import { StoredInstallations } from './installations.ts';
import type { SlackOAuthConfig } from './oauth.ts';
import { webClientOptions } from './web-client.ts';
import { boltLevel, boltLogger } from './bolt-logger.ts';

/** The metadata event type naming the delivery a message is (see SlackPoster.findDelivery). */
export const DELIVERY_EVENT = 'syllabot_delivery';
/** How far back in a conversation a repeat is looked for (one page of history). */
const HISTORY_LOOKBACK = 100;

/**
 * A history the bot may not read (a public channel it posts to without being in it, or an
 * install made before the history scopes): post anyway, as before those existed; a repeat is
 * then possible, never a lost delivery. Any other error fails the attempt, to be retried.
 */
function unreadable(error: unknown): false {
  if (['not_in_channel', 'missing_scope', 'channel_not_found'].includes(slackErrorCode(error))) return false;
  throw error;
}

/**
 * Posts as the bot, with the token of the workspace concerned. Messages never ask Slack to
 * link names (`parse: none`, `link_names: false`) and blocks are already escaped, so nothing
 * posted here can ping anyone.
 */
export class SlackPoster {
  constructor(private readonly api: webApi.WebClient) {}

  async postMessage(token: string, channel: string, message: SlackMessage, delivery?: DeliveryTag): Promise<void> {
    await this.api.chat.postMessage({
      token,
      channel,
      text: message.text,
      blocks: message.blocks,
      parse: 'none',
      link_names: false,
      unfurl_links: false,
      unfurl_media: false,
      ...(delivery ? { metadata: { event_type: DELIVERY_EVENT, event_payload: { delivery_id: delivery.id } } } : {}),
    });
  }

  /** Whether one of the conversation's latest messages carries this delivery id. */
  async findDelivery(token: string, channel: string, deliveryId: string): Promise<boolean> {
    const history = await this.api.conversations.history({ token, channel, limit: HISTORY_LOOKBACK, include_all_metadata: true });
    return (history.messages ?? []).some((m) => m.metadata?.event_type === DELIVERY_EVENT && (m.metadata.event_payload as Record<string, unknown> | undefined)?.['delivery_id'] === deliveryId);
  }

  async postEphemeral(token: string, channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.api.chat.postEphemeral({ token, channel, user, text: message.text, blocks: message.blocks, parse: 'none', link_names: false });
  }

  /** A direct message: opens (or finds) the DM with the member, then posts in it. */
  async directMessage(token: string, user: string, message: SlackMessage, delivery?: DeliveryTag): Promise<void> {
    await this.postMessage(token, await this.directChannel(token, user), message, delivery);
  }

  /**
   * True when `delivery` may be a repeat and the conversation already holds its message. Slack
   * has no idempotency key: a job's message carries its delivery id in `metadata`, and before a
   * possible repeat the conversation's recent history is searched for it.
   */
  async alreadyThere(token: string, channel: string, delivery: DeliveryTag | undefined): Promise<boolean> {
    return delivery?.mayBeRepeat === true && (await this.findDelivery(token, channel, delivery.id).catch(unreadable));
  }

  async directChannel(token: string, user: string): Promise<string> {
    const opened = await this.api.conversations.open({ token, users: user });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    return channel;
  }

  /**
   * Uploads files into a channel or DM with files.uploadV2 (getUploadURLExternal, the upload,
   * completeUploadExternal), shared as one message with `comment` above them.
   */
  async uploadFiles(token: string, channel: string, files: readonly CollectedFile[], altText: ReadonlyMap<string, string>, comment: string): Promise<void> {
    await this.api.filesUploadV2({
      token,
      channel_id: channel,
      initial_comment: comment,
      file_uploads: files.map((f) => {
        const alt = altText.get(f.name);
        return { file: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength), filename: f.name, title: f.name, ...(alt ? { alt_text: alt.slice(0, 1000) } : {}) };
      }),
    });
  }

  /**
   * Sends a reply's files (see files.ts) to `channel` and returns the message to post: the
   * reply with a line for any file left out and, when files went to the member's DM, a line
   * saying so.
   */
  async withFiles(token: string, reply: Reply, i18n: Translator, channel: () => Promise<string>, toMember: boolean): Promise<Reply> {
    const prepared = await prepareSlackFiles(reply, i18n);
    if (prepared.files.length === 0) return prepared.reply;
    await this.uploadFiles(token, await channel(), prepared.files, prepared.altText, i18n.t('analytics:files.dmComment'));
    if (!toMember) return prepared.reply;
    return { ...prepared.reply, body: [...prepared.reply.body, i18n.t('analytics:files.sentToDm', { count: prepared.files.length })] };
  }
}

/** The Messenger port for Slack: what jobs use to post digests and send reminders. */
export class SlackMessenger implements Messenger {
  readonly platforms = ['slack'] as const;

  constructor(
    private readonly poster: SlackPoster,
    /** Only `authorize` is used: any source of per-workspace tokens will do. */
    private readonly tokens: Pick<WorkspaceTokens, 'authorize'>,
    private readonly store: CommunityStore,
    private readonly catalog: MessageCatalog,
  ) {}

  async postToChannel(community: CommunityRef, channelId: string, reply: Reply, delivery?: DeliveryTag): Promise<PostResult> {
    const token = await this.token(community);
    const i18n = await this.translator(community);
    if (await this.deliver(() => this.poster.alreadyThere(token, channelId, delivery), 'conversations.history')) return 'found-earlier';
    const posted = await this.deliver(() => this.poster.withFiles(token, reply, i18n, async () => channelId, false), 'files.uploadV2');
    await this.deliver(() => this.poster.postMessage(token, channelId, renderReply(posted, renderTexts(i18n)), delivery), 'chat.postMessage');
    return 'posted';
  }

  async sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply, delivery?: DeliveryTag): Promise<PostResult> {
    const token = await this.token(community);
    const i18n = await this.translator(community);
    let opened: Promise<string> | undefined;
    const dm = () => (opened ??= this.poster.directChannel(token, memberExternalId));
    if (await this.deliver(async () => this.poster.alreadyThere(token, await dm(), delivery), 'conversations.history')) return 'found-earlier';
    const posted = await this.deliver(() => this.poster.withFiles(token, reply, i18n, dm, false), 'files.uploadV2');
    await this.deliver(async () => this.poster.postMessage(token, await dm(), renderReply(posted, renderTexts(i18n)), delivery), 'direct message');
    return 'posted';
  }

  private async token(community: CommunityRef): Promise<string> {
    if (community.platform !== 'slack') throw new Error(`The Slack messenger cannot post to ${community.platform}`);
    const auth = await this.tokens.authorize(community.externalId);
    if (!auth) throw new Error(`Syllabot is not installed in Slack workspace ${community.externalId}`);
    return auth.botToken;
  }

  /** The reply is already in its reader's language; the few words the renderer adds follow the community's. */
  private async translator(community: CommunityRef): Promise<Translator> {
    const known = await this.store.findCommunity(community);
    return this.catalog.translator(resolveLocale(known?.settings.locale));
  }

  private async deliver<T>(send: () => Promise<T>, what: string): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw new Error(`Slack ${what} failed: ${slackErrorCode(error)}`, { cause: error });
    }
  }
}

/** The token of the workspace a post is for, or null when the app is not installed there. */
export type WorkspaceTokenLookup = WorkspaceTokens['authorize'];

/** What a worker's Slack messenger needs, built by the composition root. */
export interface SlackMessengerConfig {
  core: Pick<Core, 'store' | 'catalog'>;
  logger: Logger;
  /** The process's LOG_LEVEL, which Bolt's client follows. */
  logLevel: string;
  apiUrl?: string | undefined;
  /** One workspace (SLACK_BOT_TOKEN). */
  botToken?: string | undefined;
  /** OAuth mode: each workspace's token from the installations in the store, read per post. */
  oauth?: Pick<SlackOAuthConfig, 'secretBox'> | undefined;
  /** Where tokens come from, overriding both of the above. */
  authorize?: WorkspaceTokenLookup | undefined;
}

/**
 * A messenger without a receiver, for `syllabot worker`: a Web API client and a token per
 * workspace. It listens to nothing, so any number of workers may run beside the bot processes.
 */
export function createSlackMessenger(config: SlackMessengerConfig): SlackMessenger {
  const { core } = config;
  const logger = config.logger.child({ platform: 'slack', component: 'messenger' });
  const api = new webApi.WebClient(undefined, webClientOptions(boltLogger(logger, boltLevel(config.logLevel)), config.apiUrl));
  let authorize = config.authorize;
  if (!authorize && config.oauth) {
    const installations = new StoredInstallations(core.store, config.oauth.secretBox, logger);
    authorize = (teamId, enterpriseId) => installations.authorize(teamId, enterpriseId);
  }
  if (!authorize) {
    if (!config.botToken) throw new Error('Slack deliveries need SLACK_BOT_TOKEN, or a token lookup (OAuth mode).');
    const single = new SingleWorkspaceTokens(api, config.botToken);
    authorize = (teamId, enterpriseId) => single.authorize(teamId, enterpriseId);
  }
  return new SlackMessenger(new SlackPoster(api), { authorize }, core.store, core.catalog);
}
