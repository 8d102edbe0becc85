import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, webApi, type AuthorizeResult } from '@slack/bolt';
import type { Core } from '../../src/core/facade.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { ComponentHealth, PlatformAdapter } from '../../src/ports/platform.ts';
import type { RequestClaims } from '../../src/ports/request-claims.ts';
import { boltLevel, boltLogger } from './bolt-logger.ts';
import { RecentRequests } from './dedupe.ts';
import { registerHandlers } from './handlers.ts';
import { InFlight } from '../shared/timing.ts';
import { SlackMemberDirectory } from './members.ts';
import { SlackMessenger, SlackPoster } from './messenger.ts';
import { ResponseUrls } from './response-url.ts';
import { StoredInstallations } from './installations.ts';
import { INSTALL_PATH, oauthReceiverOptions, REDIRECT_PATH, type SlackOAuthConfig } from './oauth.ts';
import { slashCommands } from './slash-commands.ts';
import { webClientOptions } from './web-client.ts';
import { SingleWorkspaceTokens } from './workspaces.ts';
import { SlackCohortAccess } from './cohort-access.ts';

/** Where Bolt's receiver takes events, commands and interactions (its default path). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** How long a request fingerprint is remembered; Slack retries within a few minutes. */
const DEDUPE_TTL_MS = 10 * 60_000;

/** Everything the Slack adapter needs, built by the composition root from the configuration. */
export interface SlackAdapterConfig {
  core: Pick<Core, 'router' | 'catalog' | 'store' | 'access'>;
  logger: Logger;
  /** The process's LOG_LEVEL, which Bolt's own lines follow. */
  logLevel: string;
  /** One workspace (SLACK_BOT_TOKEN); not used in OAuth mode. */
  botToken?: string | undefined;
  /** Verifies HTTP requests (SLACK_SIGNING_SECRET). */
  signingSecret?: string | undefined;
  /** Socket Mode instead of HTTP (SLACK_APP_TOKEN); not used in OAuth mode. */
  appToken?: string | undefined;
  /** OAuth mode: workspaces install the app and each gets its own stored token. */
  oauth?: SlackOAuthConfig | undefined;
  /** Another Web API base (a proxy, the test fake); Slack's own when absent. */
  apiUrl?: string | undefined;
  /** The HTTP receiver's port; 0 picks a free one. */
  port: number;
  /** SLACK_COMMAND_PREFIX (`sb` for `/sb-courses`), empty for none. */
  commandPrefix: string;
  /** Members who moderate, beside workspace admins and owners. */
  moderatorIds: readonly string[];
  /** Shared with the other bot processes (Redis), so a retried request is answered once. */
  requestClaims?: RequestClaims | undefined;
}

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
export function createSlackAdapter(config: SlackAdapterConfig): SlackAdapter {
  const { core } = config;
  const logger = config.logger.child({ platform: 'slack' });
  const oauth = config.oauth !== undefined;
  const botToken = config.botToken;
  if (!oauth && !botToken) throw new Error('The Slack adapter needs SLACK_BOT_TOKEN (one workspace), or SLACK_CLIENT_ID with its secrets (OAuth mode).');
  if (oauth && (botToken || config.appToken)) {
    logger.warn({}, 'Slack OAuth mode (SLACK_CLIENT_ID) serves over HTTP with each workspace\'s own token: SLACK_BOT_TOKEN and SLACK_APP_TOKEN are not used');
  }
  // OAuth needs the HTTP receiver: Slack redirects installers' browsers to it.
  const appToken = oauth ? undefined : config.appToken;
  const signingSecret = config.signingSecret;
  if (!appToken && !signingSecret) throw new Error('The Slack adapter needs SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for Socket Mode).');

  const level = boltLevel(config.logLevel);
  const bolt = boltLogger(logger, level);
  const clientOptions = webClientOptions(bolt, config.apiUrl);
  const api = new webApi.WebClient(undefined, clientOptions);
  const installations = config.oauth ? new StoredInstallations(core.store, config.oauth.secretBox, logger) : undefined;
  const single = installations ? undefined : new SingleWorkspaceTokens(api, botToken!);
  const tokens = installations ?? single!;
  const members = new SlackMemberDirectory(api, logger);
  const poster = new SlackPoster(api);
  const responseUrls = new ResponseUrls();
  const messenger = new SlackMessenger(poster, tokens, core.store, core.catalog);
  // Course channels and members-only user groups: commands and the cohort job reach Slack through the core's registry.
  core.access.register(new SlackCohortAccess(api, tokens, logger));
  const inFlight = new InFlight();
  const commands = slashCommands(core.router.commands, config.commandPrefix);

  const httpReceiver = appToken
    ? undefined
    : new HTTPReceiver({
        signingSecret: signingSecret!,
        endpoints: SLACK_EVENTS_PATH,
        port: config.port,
        logger: bolt,
        logLevel: level,
        ...(installations && config.oauth ? oauthReceiverOptions(config.oauth, config.apiUrl, installations, clientOptions) : {}),
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
    // Bolt's ignoreSelf middleware drops message and member events the bot caused; the adapter
    // listens to none of those, and the extra middleware layer costs every request.
    ignoreSelf: false,
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

  const claims = config.requestClaims;
  registerHandlers(app, {
    core,
    api,
    tokens,
    members,
    poster,
    responseUrls,
    recent: new RecentRequests(DEDUPE_TTL_MS),
    ...(claims ? { sharedRecent: (fingerprint: string) => claims.claim(`slack:${fingerprint}`, DEDUPE_TTL_MS) } : {}),
    inFlight,
    commands,
    commandPrefix: config.commandPrefix,
    moderatorIds: new Set(config.moderatorIds),
    logger,
    // The workspace's data is kept for the grace period (GRACE_PERIOD_DAYS), then purged.
    onWorkspaceRemoved: async (teamId) => {
      await core.store.markCommunityRemoved({ platform: 'slack', externalId: teamId }, new Date());
    },
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
        server = await httpReceiver.start(config.port);
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
      responseUrls.close();
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
