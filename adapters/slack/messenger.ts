import { webApi } from '@slack/bolt';
import type { Core } from '../../src/core/facade.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { CommunityRef } from '../../src/domain/model.ts';
import type { Reply } from '../../src/domain/reply.ts';
import type { Messenger } from '../../src/ports/messenger.ts';
import type { CommunityStore } from '../../src/ports/store/index.ts';
import { resolveLocale, type MessageCatalog } from '../../src/core/i18n.ts';
import { renderReply, renderTexts, type SlackMessage } from './render.ts';
import { SingleWorkspaceTokens, slackErrorCode, type WorkspaceTokens } from './workspaces.ts';
import { StoredInstallations } from './installations.ts';
import type { SlackOAuthConfig } from './oauth.ts';
import { webClientOptions } from './web-client.ts';
import { boltLevel, boltLogger } from './bolt-logger.ts';

/**
 * Posts as the bot, with the token of the workspace concerned. Messages never ask Slack to
 * link names (`parse: none`, `link_names: false`) and blocks are already escaped, so nothing
 * posted here can ping anyone.
 */
export class SlackPoster {
  constructor(private readonly api: webApi.WebClient) {}

  async postMessage(token: string, channel: string, message: SlackMessage): Promise<void> {
    await this.api.chat.postMessage({
      token,
      channel,
      text: message.text,
      blocks: message.blocks,
      parse: 'none',
      link_names: false,
      unfurl_links: false,
      unfurl_media: false,
    });
  }

  async postEphemeral(token: string, channel: string, user: string, message: SlackMessage): Promise<void> {
    await this.api.chat.postEphemeral({ token, channel, user, text: message.text, blocks: message.blocks, parse: 'none', link_names: false });
  }

  /** A direct message: opens (or finds) the DM with the member, then posts in it. */
  async directMessage(token: string, user: string, message: SlackMessage): Promise<void> {
    const opened = await this.api.conversations.open({ token, users: user });
    const channel = opened.channel?.id;
    if (!channel) throw new Error('conversations.open returned no channel');
    await this.postMessage(token, channel, message);
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

  async postToChannel(community: CommunityRef, channelId: string, reply: Reply): Promise<void> {
    const token = await this.token(community);
    await this.deliver(() => this.render(community, reply).then((message) => this.poster.postMessage(token, channelId, message)), 'chat.postMessage');
  }

  async sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply): Promise<void> {
    const token = await this.token(community);
    await this.deliver(() => this.render(community, reply).then((message) => this.poster.directMessage(token, memberExternalId, message)), 'direct message');
  }

  private async token(community: CommunityRef): Promise<string> {
    if (community.platform !== 'slack') throw new Error(`The Slack messenger cannot post to ${community.platform}`);
    const auth = await this.tokens.authorize(community.externalId);
    if (!auth) throw new Error(`Syllabot is not installed in Slack workspace ${community.externalId}`);
    return auth.botToken;
  }

  /** The reply is already in its reader's language; the few words the renderer adds follow the community's. */
  private async render(community: CommunityRef, reply: Reply): Promise<SlackMessage> {
    const known = await this.store.findCommunity(community);
    return renderReply(reply, renderTexts(this.catalog.translator(resolveLocale(known?.settings.locale))));
  }

  private async deliver(send: () => Promise<void>, what: string): Promise<void> {
    try {
      await send();
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
