import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import type { Core } from '../../../src/composition/app.ts';
import { loadConfig, type Config } from '../../../src/composition/config.ts';
import type { SqliteStore } from '../../../src/infra/sqlite/sqlite-store.ts';
import { createTestCore } from '../../support/core.ts';
import { silentLogger } from '../../../src/ports/logger.ts';
import { createSlackAdapter, type SlackAdapter } from '../../../adapters/slack/index.ts';
import { FakeSlackWebApi, type FakeWorkspace } from './web-api.ts';
import { ResponseListener } from './response-listener.ts';
import { SignedSlackClient } from './signed-requests.ts';
import { SIGNING_SECRET, USERS } from './harness.ts';
import { slackAdapterConfig } from '../../../src/composition/adapter-config.ts';

/** The public app's credentials, as api.slack.com shows them (fakes). */
export const OAUTH_APP = {
  clientId: '1000000001.2000000002',
  clientSecret: 'fake-client-secret-0123456789abcdef',
  stateSecret: 'fake-state-secret-for-install-cookies',
} as const;

export const WORKSPACES = {
  first: { id: 'T0FIRST001', name: 'First Workspace', domain: 'first' },
  second: { id: 'T0SECOND01', name: 'Second Workspace', domain: 'second' },
  stranger: { id: 'T0NEVERIN1', name: 'Never Installed', domain: 'stranger' },
} as const;

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One GET as a browser sends it (no redirect following: the test follows them step by step). */
export function httpGet(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A browser's walk through "Add to Slack": each step's answer, for the test to check. */
export interface InstallWalk {
  install: HttpAnswer;
  /** Slack's consent page URL the app redirected to. */
  consentUrl: URL;
  /** The state cookie as the browser would send it back (`name=value`). */
  cookie: string;
  consent: HttpAnswer;
  /** /slack/oauth_redirect?code=…&state=… */
  callbackUrl: URL;
  callback: HttpAnswer;
}

/**
 * "Add to Slack" in a browser: the app's /slack/install, Slack's consent page (where `team`
 * approves), and back to the app's /slack/oauth_redirect with the state cookie.
 */
export async function installThroughBrowser(appBase: string, fake: FakeSlackWebApi, team: FakeWorkspace): Promise<InstallWalk> {
  const install = await httpGet(`${appBase}/slack/install`);
  const consentUrl = new URL(String(install.headers.location));
  const setCookie = ([] as string[]).concat(install.headers['set-cookie'] ?? []);
  const cookie = setCookie.map((c) => c.split(';')[0]!).find((c) => c.startsWith('slack-app-oauth-state=')) ?? '';
  fake.consentAs(team);
  const consent = await httpGet(consentUrl.toString());
  const callbackUrl = new URL(String(consent.headers.location));
  const callback = await httpGet(callbackUrl.toString(), cookie ? { cookie } : {});
  return { install, consentUrl, cookie, consent, callbackUrl, callback };
}

export interface OAuthHarness {
  dir: string;
  sqlitePath: string;
  fake: FakeSlackWebApi;
  responses: ResponseListener;
  config: Config;
  store: SqliteStore;
  core: Core;
  adapter: SlackAdapter;
  /** http://127.0.0.1:<port> of the running adapter. */
  base(): string;
  /** Signed requests as Slack sends them for a workspace. */
  clientFor(team: { id: string; domain: string }): SignedSlackClient;
  /** Installs the app in `team` through the browser flow. */
  install(team: FakeWorkspace): Promise<InstallWalk>;
  /** Stops the adapter and closes the store, then starts both anew on the same SQLite file. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The Slack adapter in OAuth mode (no SLACK_BOT_TOKEN) on a temp SQLite file, with the fake
 * Slack acting as Web API, consent page and oauth.v2.access.
 */
export async function startOAuthHarness(): Promise<OAuthHarness> {
  const fake = await FakeSlackWebApi.start({
    botToken: `xoxb-never-used-${randomBytes(6).toString('hex')}`,
    team: { id: 'T0UNUSED01', name: 'Unused' },
    users: Object.values(USERS).map((u) => ({ ...u })),
  });
  const responses = await ResponseListener.start();
  const config: Config = {
    ...loadConfig({
      SLACK_CLIENT_ID: OAUTH_APP.clientId,
      SLACK_CLIENT_SECRET: OAUTH_APP.clientSecret,
      SLACK_STATE_SECRET: OAUTH_APP.stateSecret,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SYLLABOT_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      SLACK_API_URL: fake.url,
      LOG_LEVEL: 'silent',
      JOBS_ENABLED: 'false',
    }),
    SLACK_PORT: 0,
  };

  // A restart opens the same file again; the first core's temporary folder goes at close().
  const boot = async (path?: string) => {
    const core = createTestCore(path ? { path } : {});
    const store = core.sqlite;
    const adapter = createSlackAdapter(slackAdapterConfig({ core, config, logger: silentLogger }));
    await adapter.start();
    fake.configureOAuth({ clientId: OAUTH_APP.clientId, clientSecret: OAUTH_APP.clientSecret, redirectUrl: `http://127.0.0.1:${adapter.port()}/slack/oauth_redirect` });
    return { store, core, adapter };
  };
  let running = await boot();
  const { dir, path: sqlitePath } = running.core;

  const harness: OAuthHarness = {
    dir,
    sqlitePath,
    fake,
    responses,
    config,
    get store() {
      return running.store;
    },
    get core() {
      return running.core;
    },
    get adapter() {
      return running.adapter;
    },
    base: () => `http://127.0.0.1:${running.adapter.port()}`,
    clientFor: (team) => new SignedSlackClient(`${harness.base()}/slack/events`, SIGNING_SECRET, { id: team.id, domain: team.domain }),
    install: (team) => installThroughBrowser(harness.base(), fake, team),
    async restart() {
      await running.adapter.stop();
      await running.store.close();
      running = await boot(sqlitePath);
    },
    async close() {
      await running.adapter.stop();
      await running.store.close();
      await Promise.all([fake.close(), responses.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return harness;
}
