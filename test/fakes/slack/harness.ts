import type { Core } from '../../../src/composition/app.ts';
import type { RateLimiter } from '../../../src/ports/rate-limiter.ts';
import type { Command } from '../../../src/core/command.ts';
import { loadConfig, type Config } from '../../../src/composition/config.ts';
import type { SqliteStore } from '../../../src/infra/sqlite/sqlite-store.ts';
import { createTestCore } from '../../support/core.ts';
import { silentLogger, type Logger } from '../../../src/ports/logger.ts';
import type { RequestClaims } from '../../../src/ports/request-claims.ts';
import { createSlackAdapter, type SlackAdapter } from '../../../adapters/slack/index.ts';
import { FakeSlackWebApi, type FakeUser } from './web-api.ts';
import { ResponseListener } from './response-listener.ts';
import { SignedSlackClient } from './signed-requests.ts';
import { slackAdapterConfig } from '../../../src/composition/adapter-config.ts';

export const BOT_TOKEN = 'xoxb-fake-bot-token-for-tests';
export const SIGNING_SECRET = 'fake-signing-secret-0123456789abcdef';
export const TEAM = { id: 'T0SYLLABOT', name: 'Syllabot Test Workspace', domain: 'syllabot-test' };

/** The members of the fake workspace, one of each kind the tests need. */
export const USERS = {
  admin: { id: 'UADMIN0001', name: 'ada', displayName: 'Ada Admin', isAdmin: true, locale: 'en-US' },
  owner: { id: 'UOWNER0001', name: 'otto', displayName: 'Otto Owner', isOwner: true, locale: 'en-US' },
  listed: { id: 'ULISTED001', name: 'lisa', displayName: 'Lisa Listed', locale: 'en-US' },
  member: { id: 'UMEMBER001', name: 'max', displayName: 'Max Member', locale: 'en-US' },
  chinese: { id: 'UZHCN00001', name: 'li', displayName: '李雷', locale: 'zh-CN' },
} satisfies Record<string, FakeUser>;

export interface SlackHarness {
  core: Core;
  store: SqliteStore;
  fake: FakeSlackWebApi;
  responses: ResponseListener;
  adapter: SlackAdapter;
  client: SignedSlackClient;
  config: Config;
  /** The community (workspace) id in the store, once someone has used the bot. */
  communityId(): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  prefix?: string;
  closedChannels?: string[];
  logger?: Logger;
  /** Claims shared with other adapters (as bot processes share Redis). */
  requestClaims?: RequestClaims;
  /** The core's per-member limiter (unlimited by default). */
  rateLimiter?: RateLimiter;
  /** Commands besides the built-in ones. */
  commands?: readonly Command[];
}

/**
 * The real Slack adapter (Bolt, HTTP receiver on a free port) around a real core on a temp
 * SQLite file, talking to the fake Web API; requests are signed like Slack's.
 */
export async function startSlackHarness(options: HarnessOptions = {}): Promise<SlackHarness> {
  const core = createTestCore({
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    ...(options.commands ? { extraCommands: options.commands } : {}),
  });
  const store = core.sqlite;
  const fake = await FakeSlackWebApi.start({
    botToken: BOT_TOKEN,
    team: { id: TEAM.id, name: TEAM.name },
    users: Object.values(USERS).map((u) => ({ ...u })),
    ...(options.closedChannels ? { closedChannels: options.closedChannels } : {}),
  });
  const responses = await ResponseListener.start();
  const config: Config = {
    ...loadConfig({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      SLACK_MODERATOR_IDS: USERS.listed.id,
      SLACK_COMMAND_PREFIX: options.prefix ?? '',
      LOG_LEVEL: 'silent',
      JOBS_ENABLED: 'false',
    }),
    // Any free port: the config schema asks for 1-65535 from the environment, tests pass 0.
    SLACK_PORT: 0,
  };
  const adapter = createSlackAdapter(slackAdapterConfig({ core, config, logger: options.logger ?? silentLogger, requestClaims: options.requestClaims }));
  await adapter.start();
  const client = new SignedSlackClient(`http://127.0.0.1:${adapter.port()}/slack/events`, SIGNING_SECRET, { id: TEAM.id, domain: TEAM.domain });
  return {
    core,
    store,
    fake,
    responses,
    adapter,
    client,
    config,
    async communityId() {
      const community = await store.findCommunity({ platform: 'slack', externalId: TEAM.id });
      if (!community) throw new Error('no Slack community in the store yet');
      return community.id;
    },
    async close() {
      await adapter.stop();
      await Promise.all([fake.close(), responses.close()]);
      await core.dispose();
    },
  };
}
