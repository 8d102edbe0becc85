import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.ts';
import { FakeSlackWebApi } from '../fakes/slack/web-api.ts';
import { ResponseListener } from '../fakes/slack/response-listener.ts';
import { SignedSlackClient } from '../fakes/slack/signed-requests.ts';
import { BOT_TOKEN, SIGNING_SECRET, TEAM, USERS } from '../fakes/slack/harness.ts';
import { headerText } from '../fakes/slack/blocks.ts';

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

/** A port free on every interface (the receiver listens on all of them, like Bolt's default). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function startProcess(env: Record<string, string>): { child: ChildProcess; output: () => string; line: (pattern: RegExp) => Promise<string>; exit: Promise<number | null> } {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS']) if (process.env[key]) base[key] = process.env[key]!;
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (d: string) => {
    output += d;
    for (const w of [...waiters]) {
      const line = output.split('\n').find((l) => w.pattern.test(l));
      if (line) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        onData('');
        void exit.then((code) => reject(new Error(`syllabot exited (${code}) before printing ${pattern}:\n${output}`)));
      }),
    exit,
  };
}

describe('syllabot start with Slack configured', () => {
  it('given SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, then it serves Slack on SLACK_PORT, answers a signed command, stops on SIGTERM and never prints its secrets (LOG_LEVEL=trace)', async () => {
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
