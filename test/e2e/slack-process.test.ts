import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlackWebApi } from '../fakes/slack/web-api.ts';
import { ResponseListener } from '../fakes/slack/response-listener.ts';
import { SignedSlackClient } from '../fakes/slack/signed-requests.ts';
import { BOT_TOKEN, SIGNING_SECRET, TEAM, USERS } from '../fakes/slack/harness.ts';
import { headerText } from '../fakes/slack/blocks.ts';
import { freePort, startProcess } from '../fakes/slack/process.ts';
import { installThroughBrowser, OAUTH_APP, WORKSPACES } from '../fakes/slack/oauth-harness.ts';
import { secretForms } from '../../src/infra/scrub-secrets.ts';

/** `SLACK_BOT_TOKEN=… SLACK_SIGNING_SECRET=… npm start`, as an operator runs it. */
let dir: string;
let fake: FakeSlackWebApi;
let responses: ResponseListener;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syllabot-slack-process-'));
  fake = await FakeSlackWebApi.start({ botToken: BOT_TOKEN, team: { id: TEAM.id, name: TEAM.name }, users: Object.values(USERS).map((u) => ({ ...u })) });
  responses = await ResponseListener.start();
});
afterAll(async () => {
  await fake.close();
  await responses.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('syllabot start with Slack configured', () => {
  it('given a bot token and signing secret, then `start` serves Slack, stops on SIGTERM, leaks nothing', async () => {
    const port = await freePort();
    const run = startProcess({
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      SLACK_PORT: String(port),
      SQLITE_PATH: join(dir, 'syllabot.sqlite'),
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'trace',
    });
    const serving = JSON.parse(await run.line(/"msg":"serving Slack"/)) as { port: number; path: string; commands: string[] };
    expect(serving).toMatchObject({ port, path: '/slack/events' });
    expect(serving.commands).toContain('/courses');

    const client = new SignedSlackClient(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, { id: TEAM.id, domain: TEAM.domain });
    const url = responses.newUrl();
    const ack = await client.sendForm(client.commandBody({ command: '/help', text: '', userId: USERS.member.id, responseUrl: url }));
    expect(ack.status).toBe(200);
    for (;;) {
      if (responses.postsTo(url).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(headerText(responses.postsTo(url)[0]!.body)).toBe('Syllabot commands');

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const output = run.output();
    expect(output).not.toContain(BOT_TOKEN);
    expect(output).not.toContain(SIGNING_SECRET);
  });

  it('given OAuth mode, then a workspace installs, is answered with its token, and nothing secret prints', async () => {
    const port = await freePort();
    const key = Buffer.alloc(32, 42).toString('base64');
    const env = {
      SLACK_CLIENT_ID: OAUTH_APP.clientId,
      SLACK_CLIENT_SECRET: OAUTH_APP.clientSecret,
      SLACK_STATE_SECRET: OAUTH_APP.stateSecret,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SYLLABOT_ENCRYPTION_KEY: key,
      SLACK_API_URL: fake.url,
      SLACK_PORT: String(port),
      SQLITE_PATH: join(dir, 'oauth.sqlite'),
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'trace',
    };
    const run = startProcess(env);
    const serving = JSON.parse(await run.line(/"msg":"serving Slack"/)) as { mode: string; install: string; redirect: string };
    expect(serving).toMatchObject({ mode: 'oauth', install: '/slack/install', redirect: '/slack/oauth_redirect' });
    const base = `http://127.0.0.1:${port}`;
    fake.configureOAuth({ clientId: OAUTH_APP.clientId, clientSecret: OAUTH_APP.clientSecret, redirectUrl: `${base}/slack/oauth_redirect` });
    const walk = await installThroughBrowser(base, fake, WORKSPACES.first);
    expect(walk.callback.status).toBe(200);
    const grant = fake.grantsFor(WORKSPACES.first.id).at(-1)!;

    const client = new SignedSlackClient(`${base}/slack/events`, SIGNING_SECRET, { id: WORKSPACES.first.id, domain: WORKSPACES.first.domain });
    const url = responses.newUrl();
    const callsBefore = fake.calls.length;
    await client.sendForm(client.commandBody({ command: '/help', text: '', userId: USERS.member.id, responseUrl: url }));
    while (responses.postsTo(url).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(headerText(responses.postsTo(url)[0]!.body)).toBe('Syllabot commands');
    expect(fake.calls.slice(callsBefore).map((c) => c.token)).toContain(grant.token);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    const output = run.output();
    expect(output).toContain('Slack workspace installed the app');
    // The Web API client logs the exchange at this level: the scan below covers its answer (the new token).
    expect(output).toContain('oauth.v2.access');
    const leaked = [grant.token, OAUTH_APP.clientSecret, OAUTH_APP.stateSecret, SIGNING_SECRET, key].flatMap((secret) => secretForms({ SLACK_BOT_TOKEN: secret }).filter((form) => output.includes(form)));
    expect(leaked).toEqual([]);
  });

  it('given OAuth mode without SYLLABOT_ENCRYPTION_KEY, then start-up is refused with how to make one', async () => {
    const run = startProcess({
      SLACK_CLIENT_ID: OAUTH_APP.clientId,
      SLACK_CLIENT_SECRET: OAUTH_APP.clientSecret,
      SLACK_STATE_SECRET: OAUTH_APP.stateSecret,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SQLITE_PATH: join(dir, 'no-key.sqlite'),
      JOBS_ENABLED: 'false',
    });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('SYLLABOT_ENCRYPTION_KEY: is required in Slack OAuth mode');
    expect(run.output()).toContain('openssl rand -base64 32');
  });

  it('given a bot token Slack refuses, then start-up fails with Slack’s error code and without the token', async () => {
    const run = startProcess({
      SLACK_BOT_TOKEN: 'xoxb-refused-token-0000',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: fake.url,
      SLACK_PORT: String(await freePort()),
      SQLITE_PATH: join(dir, 'refused.sqlite'),
      JOBS_ENABLED: 'false',
      LOG_LEVEL: 'trace',
    });
    expect(await run.exit).toBe(1);
    expect(run.output()).toContain('Slack refused SLACK_BOT_TOKEN on auth.test: invalid_auth');
    expect(run.output()).not.toContain('xoxb-refused-token-0000');
    expect(run.output()).not.toContain(SIGNING_SECRET);
  });
});
