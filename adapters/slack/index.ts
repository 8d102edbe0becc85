import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, webApi, type AuthorizeResult } from '@slack/bolt';
import type { AdapterDeps } from '../../src/app.ts';
import type { ComponentHealth, PlatformAdapter } from '../../src/ports/platform.ts';
import { boltLevel, boltLogger } from './bolt-logger.ts';
import { RecentRequests } from './dedupe.ts';
import { registerHandlers } from './handlers.ts';
import { InFlight } from './in-flight.ts';
import { SlackMemberDirectory } from './members.ts';
import { SlackMessenger, SlackPoster } from './messenger.ts';
import { slashCommands } from './slash-commands.ts';
import { SingleWorkspaceTokens } from './workspaces.ts';

/** Where Bolt's receiver takes events, commands and interactions (its default path). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** How long a request fingerprint is remembered; Slack retries within a few minutes. */
const DEDUPE_TTL_MS = 10 * 60_000;

export interface SlackAdapter extends PlatformAdapter {
  readonly platform: 'slack';
  readonly messenger: SlackMessenger;
  /** The port the HTTP receiver listens on once started (SLACK_PORT=0 picks a free one); undefined in Socket Mode. */
  port(): number | undefined;
  /** Resolves once every request received so far has been answered. */
  whenIdle(): Promise<void>;
}

/**
 * Syllabot on Slack: Bolt with its HTTP receiver on SLACK_PORT (signature-verified by Bolt), or
 * Socket Mode when SLACK_APP_TOKEN is set. A workspace is a community. Each request is
 * authorized with its own workspace's token, so OAuth (issue 10) only adds a token store.
 */
export function createSlackAdapter(deps: AdapterDeps): SlackAdapter {
  const { core, config } = deps;
  const logger = deps.logger.child({ platform: 'slack' });
  const botToken = config.SLACK_BOT_TOKEN;
  if (!botToken) {
    throw new Error(
      config.SLACK_CLIENT_ID
        ? 'Slack OAuth mode (SLACK_CLIENT_ID) is not available yet: set SLACK_BOT_TOKEN to serve one workspace.'
        : 'The Slack adapter needs SLACK_BOT_TOKEN.',
    );
  }
  const appToken = config.SLACK_APP_TOKEN;
  const signingSecret = config.SLACK_SIGNING_SECRET;
  if (!appToken && !signingSecret) throw new Error('The Slack adapter needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode).');

  const level = boltLevel(config.LOG_LEVEL);
  const bolt = boltLogger(logger, level);
  const clientOptions: webApi.WebClientOptions = {
    logger: bolt,
    // Web API calls answer a member who is waiting: a few quick retries, not Bolt's default of
    // ten over half an hour.
    retryConfig: { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 2000 },
    timeout: 10_000,
    ...(config.SLACK_API_URL ? { slackApiUrl: withTrailingSlash(config.SLACK_API_URL) } : {}),
  };
  const api = new webApi.WebClient(undefined, clientOptions);
  const tokens = new SingleWorkspaceTokens(api, botToken);
  const members = new SlackMemberDirectory(api, logger);
  const poster = new SlackPoster(api);
  const messenger = new SlackMessenger(poster, tokens, core.store, core.catalog);
  const inFlight = new InFlight();
  const commands = slashCommands(core.router.commands, config.SLACK_COMMAND_PREFIX);

  const httpReceiver = appToken
    ? undefined
    : new HTTPReceiver({ signingSecret: signingSecret!, endpoints: SLACK_EVENTS_PATH, port: config.SLACK_PORT, logger: bolt, logLevel: level });
  const socketReceiver = httpReceiver ? undefined : new SocketModeReceiver({ appToken: appToken!, logger: bolt, logLevel: level, installerOptions: { clientOptions } });
  const receiver = httpReceiver ?? socketReceiver!;
  // The socket reconnects on its own (Slack recycles connections); health follows it.
  let socketState = 'disconnected';
  for (const event of ['connecting', 'connected', 'reconnecting', 'disconnecting', 'disconnected']) {
    socketReceiver?.client.on(event, () => {
      socketState = event;
    });
  }

  const app = new App({
    receiver,
    logger: bolt,
    logLevel: level,
    clientOptions,
    convoStore: false,
    // Per request: the token of the workspace the request came from. A workspace we hold no
    // token for gets no answer and no Web API call (Bolt acks and drops it).
    authorize: async (source): Promise<AuthorizeResult> => {
      const auth = await tokens.authorize(source.teamId, source.enterpriseId);
      if (!auth) throw new Error(`Syllabot is not installed in Slack workspace ${source.teamId ?? source.enterpriseId ?? '(unknown)'}`);
      return { botToken: auth.botToken, botId: auth.botId, botUserId: auth.botUserId, teamId: source.teamId, enterpriseId: source.enterpriseId, teamName: auth.teamName };
    },
  });

  registerHandlers(app, {
    core,
    api,
    tokens,
    members,
    poster,
    recent: new RecentRequests(DEDUPE_TTL_MS),
    inFlight,
    commands,
    moderatorIds: new Set(config.SLACK_MODERATOR_IDS),
    logger,
  });

  let server: Server | undefined;
  let state: 'new' | 'running' | 'stopped' = 'new';

  return {
    platform: 'slack',
    messenger,
    async start() {
      const auth = await tokens.verify();
      if (httpReceiver) {
        server = await httpReceiver.start(config.SLACK_PORT);
      } else {
        await app.start();
      }
      state = 'running';
      logger.info(
        { team: auth.teamId, mode: httpReceiver ? 'http' : 'socket', port: httpReceiver ? portOf(server) : undefined, path: httpReceiver ? SLACK_EVENTS_PATH : undefined, commands: commands.map((c) => c.slash) },
        'serving Slack',
      );
    },
    async stop() {
      if (state !== 'running') return;
      state = 'stopped';
      // Stop taking requests first (closes the HTTP server or the socket), then let the ones
      // already acknowledged finish their answers.
      await app.stop().catch((err: unknown) => logger.warn({ err }, 'the Slack receiver did not stop cleanly'));
      server = undefined;
      await inFlight.idle();
    },
    health(): ComponentHealth {
      if (state === 'running' && httpReceiver) return { ok: true, detail: `http :${portOf(server) ?? '?'}${SLACK_EVENTS_PATH}` };
      if (state === 'running') return { ok: socketState === 'connected', detail: `socket mode: ${socketState}` };
      return { ok: false, detail: state === 'new' ? 'not started' : 'stopped' };
    },
    port: () => portOf(server),
    whenIdle: () => inFlight.idle(),
  };
}

function portOf(server: Server | undefined): number | undefined {
  const address = server?.address();
  return address && typeof address === 'object' ? address.port : undefined;
}

/** The Web API client joins method names to its base URL, which must end with a slash. */
function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
