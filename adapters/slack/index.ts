import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, webApi, type AuthorizeResult } from '@slack/bolt';
import type { AdapterDeps } from '../../src/composition/app.ts';
import type { ComponentHealth, PlatformAdapter } from '../../src/ports/platform.ts';
import { boltLevel, boltLogger } from './bolt-logger.ts';
import { RecentRequests } from './dedupe.ts';
import { registerHandlers } from './handlers.ts';
import { InFlight } from './in-flight.ts';
import { SlackMemberDirectory } from './members.ts';
import { SlackMessenger, SlackPoster } from './messenger.ts';
import { StoredInstallations } from './installations.ts';
import { INSTALL_PATH, isOAuthMode, oauthReceiverOptions, REDIRECT_PATH } from './oauth.ts';
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
 * authorized with its own workspace's token: the one SLACK_BOT_TOKEN, or in OAuth mode
 * (SLACK_CLIENT_ID…) the token stored, encrypted, when that workspace installed the app.
 */
export function createSlackAdapter(deps: AdapterDeps): SlackAdapter {
  const { core, config } = deps;
  const logger = deps.logger.child({ platform: 'slack' });
  const oauth = isOAuthMode(config);
  const botToken = config.SLACK_BOT_TOKEN;
  if (!oauth && !botToken) throw new Error('The Slack adapter needs SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID with its secrets (OAuth mode).');
  if (oauth && (botToken || config.SLACK_APP_TOKEN)) {
    logger.warn({}, 'Slack OAuth mode (SLACK_CLIENT_ID) serves over HTTP with each workspace\'s own token: SLACK_BOT_TOKEN and SLACK_APP_TOKEN are not used');
  }
  // OAuth needs the HTTP receiver: Slack redirects installers' browsers to it.
  const appToken = oauth ? undefined : config.SLACK_APP_TOKEN;
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
  const installations = oauth ? StoredInstallations.fromConfig(core.store, config, logger) : undefined;
  const single = installations ? undefined : new SingleWorkspaceTokens(api, botToken!);
  const tokens = installations ?? single!;
  const members = new SlackMemberDirectory(api, logger);
  const poster = new SlackPoster(api);
  const messenger = new SlackMessenger(poster, tokens, core.store, core.catalog);
  const inFlight = new InFlight();
  const commands = slashCommands(core.router.commands, config.SLACK_COMMAND_PREFIX);

  const httpReceiver = appToken
    ? undefined
    : new HTTPReceiver({
        signingSecret: signingSecret!,
        endpoints: SLACK_EVENTS_PATH,
        port: config.SLACK_PORT,
        logger: bolt,
        logLevel: level,
        ...(installations ? oauthReceiverOptions(config, installations, clientOptions) : {}),
      });
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
    // token for gets no answer and no Web API call (Bolt acks and drops it). In OAuth mode Bolt
    // authorizes by itself, fetching the installation from our store (oauth.ts).
    ...(single
      ? {
          authorize: async (source): Promise<AuthorizeResult> => {
            const auth = await single.authorize(source.teamId, source.enterpriseId);
            if (!auth) throw new Error(`Syllabot is not installed in Slack workspace ${source.teamId ?? source.enterpriseId ?? '(unknown)'}`);
            return { botToken: auth.botToken, botId: auth.botId, botUserId: auth.botUserId, teamId: source.teamId, enterpriseId: source.enterpriseId, teamName: auth.teamName };
          },
        }
      : {}),
  });
  if (installations) {
    // Bolt's own authorize does not pass the workspace's name on; the community is named after it.
    app.use(async ({ context, next }) => {
      const name = context.teamId ? installations.teamName(context.teamId) : undefined;
      if (name !== undefined && context['teamName'] === undefined) context['teamName'] = name;
      await next();
    });
  }

  const claims = deps.requestClaims;
  registerHandlers(app, {
    core,
    api,
    tokens,
    members,
    poster,
    recent: new RecentRequests(DEDUPE_TTL_MS),
    ...(claims ? { sharedRecent: (fingerprint: string) => claims.claim(`slack:${fingerprint}`, DEDUPE_TTL_MS) } : {}),
    inFlight,
    commands,
    commandPrefix: config.SLACK_COMMAND_PREFIX,
    moderatorIds: new Set(config.SLACK_MODERATOR_IDS),
    logger,
  });

  let server: Server | undefined;
  let state: 'new' | 'running' | 'stopped' = 'new';

  return {
    platform: 'slack',
    messenger,
    async start() {
      // One workspace: check its token before serving. OAuth: workspaces come as they install.
      const auth = single ? await single.verify() : undefined;
      if (httpReceiver) {
        server = await httpReceiver.start(config.SLACK_PORT);
      } else {
        await app.start();
      }
      state = 'running';
      logger.info(
        {
          ...(auth ? { team: auth.teamId } : { install: INSTALL_PATH, redirect: REDIRECT_PATH }),
          mode: oauth ? 'oauth' : httpReceiver ? 'http' : 'socket',
          port: httpReceiver ? portOf(server) : undefined,
          path: httpReceiver ? SLACK_EVENTS_PATH : undefined,
          commands: commands.map((c) => c.slash),
        },
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
