import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOT_SCOPES } from '../../adapters/slack/manifest.ts';
import { createSlackMessenger } from '../../adapters/slack/messenger.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { secretForms } from '../../src/infra/scrub-secrets.ts';
import { reply } from '../../src/domain/reply.ts';
import { headerText } from '../fakes/slack/blocks.ts';
import { USERS } from '../fakes/slack/harness.ts';
import { httpGet, OAUTH_APP, startOAuthHarness, WORKSPACES, type OAuthHarness } from '../fakes/slack/oauth-harness.ts';
import type { Grant } from '../fakes/slack/web-api.ts';
import { slackMessengerConfig } from '../../src/composition/adapter-config.ts';

/**
 * A public Slack app (OAuth mode): workspaces install it through Bolt's /slack/install and
 * /slack/oauth_redirect against the fake Slack (consent page and oauth.v2.access), their bot
 * tokens are stored encrypted in SQLite, and each request and post uses its own workspace's token.
 */
let h: OAuthHarness;

beforeEach(async () => {
  h = await startOAuthHarness();
});
afterEach(async () => {
  await h?.close();
});

type Team = (typeof WORKSPACES)[keyof typeof WORKSPACES];

/** A signed slash command from `team`, and everything it caused once the adapter is idle. */
async function slash(team: Team, name: string, text = '', user: { id: string } = USERS.member) {
  const client = h.clientFor(team);
  const url = h.responses.newUrl();
  const callsBefore = h.fake.calls.length;
  const ack = await client.sendForm(client.commandBody({ command: name, text, userId: user.id, responseUrl: url }));
  await h.adapter.whenIdle();
  return { ack, posts: h.responses.postsTo(url), calls: h.fake.calls.slice(callsBefore) };
}

async function installed(team: Team): Promise<Grant> {
  const walk = await h.install(team);
  expect(walk.callback.status).toBe(200);
  return h.fake.grantsFor(team.id).at(-1)!;
}

/** Events are acknowledged before their listener runs: wait for what the listener does. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function sendEvent(team: Team, event: Record<string, unknown>, eventId: string): Promise<number> {
  const client = h.clientFor(team);
  return (await client.sendJson(client.eventBody(event, eventId))).status;
}

const installationOf = (team: Team) => h.store.findInstallation({ platform: 'slack', externalId: team.id });

describe('installing the app (Bolt OAuth against the fake Slack)', () => {
  it('given OAuth mode, when /slack/install is opened, then it redirects to consent with a state cookie', async () => {
    const walk = await h.install(WORKSPACES.first);
    expect(walk.install.status).toBe(302);
    expect(`${walk.consentUrl.origin}${walk.consentUrl.pathname}`).toBe(new URL('/oauth/v2/authorize', h.fake.url).toString());
    expect(walk.consentUrl.searchParams.get('client_id')).toBe(OAUTH_APP.clientId);
    expect(walk.consentUrl.searchParams.get('scope')?.split(',')).toEqual([...BOT_SCOPES]);
    const state = walk.consentUrl.searchParams.get('state');
    expect(state).toBeTruthy();
    expect(walk.cookie).toBe(`slack-app-oauth-state=${state}`);
    expect(String(walk.install.headers['set-cookie'])).toContain('HttpOnly');
    expect(walk.consent.status).toBe(302);
    expect(walk.callbackUrl.pathname).toBe('/slack/oauth_redirect');
    expect(walk.callbackUrl.searchParams.get('state')).toBe(state);
  });

  it('given a consenting workspace, then its installation is stored encrypted and its token answers', async () => {
    const walk = await h.install(WORKSPACES.first);
    expect(walk.callback.status).toBe(200);
    expect(walk.callback.body).toContain('Thank you!');
    const exchanges = h.fake.callsTo('oauth.v2.access');
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]!.body.client_id).toBe(OAUTH_APP.clientId);
    expect(exchanges[0]!.body.code).toBe(walk.callbackUrl.searchParams.get('code'));
    const grant = h.fake.grantsFor(WORKSPACES.first.id).at(-1)!;

    const stored = await installationOf(WORKSPACES.first);
    expect(stored).toMatchObject({ platform: 'slack', externalId: WORKSPACES.first.id, name: WORKSPACES.first.name, botUserId: grant.botUserId, scopes: [...BOT_SCOPES] });
    expect(Buffer.from(stored!.sealed).includes(grant.token)).toBe(false);
    expect(stored!.sealed[0]).toBe(1);

    const help = await slash(WORKSPACES.first, '/help');
    expect(help.ack.status).toBe(200);
    expect(headerText(help.posts[0]?.body)).toBe('Syllabot commands');
    expect(help.calls.map((c) => c.method)).toContain('users.info');
    expect(help.calls.every((c) => c.token === grant.token)).toBe(true);
    expect((await h.store.findCommunity({ platform: 'slack', externalId: WORKSPACES.first.id }))?.name).toBe(WORKSPACES.first.name);
  });

  it('given a missing or foreign state cookie, when the redirect arrives, then it is refused', async () => {
    const walk = await h.install(WORKSPACES.first);
    const pending = await consentWithoutCallback(WORKSPACES.second);
    const noCookie = await httpGet(pending.callbackUrl.toString());
    const otherCookie = await httpGet(pending.callbackUrl.toString(), { cookie: walk.cookie });
    expect(noCookie.status).toBe(400);
    expect(otherCookie.status).toBe(400);
    expect(h.fake.callsTo('oauth.v2.access')).toHaveLength(1);
    expect(await installationOf(WORKSPACES.second)).toBeNull();
  });

  it('given two workspaces installed, then each request and each post uses its own workspace’s token', async () => {
    const first = await installed(WORKSPACES.first);
    const second = await installed(WORKSPACES.second);
    expect(first.token).not.toBe(second.token);
    const fromFirst = await slash(WORKSPACES.first, '/course', 'add title:"Rust"', USERS.admin);
    const fromSecond = await slash(WORKSPACES.second, '/courses');
    expect(headerText(fromFirst.posts[0]?.body)).toBe('✅ Added #1 Rust.');
    expect(fromFirst.calls.length).toBeGreaterThan(0);
    expect(fromFirst.calls.every((c) => c.token === first.token)).toBe(true);
    expect(fromSecond.calls.every((c) => c.token === second.token)).toBe(true);
    // A workspace is a community: the second one has no courses.
    expect(JSON.stringify(fromSecond.posts[0]?.body)).not.toContain('Rust');

    const before = h.fake.calls.length;
    await h.adapter.messenger.postToChannel({ platform: 'slack', externalId: WORKSPACES.second.id }, 'C0DIGEST', reply({ visibility: 'public', title: 'Weekly digest', body: [] }));
    const posted = h.fake.calls.slice(before).filter((c) => c.method === 'chat.postMessage');
    expect(posted.map((c) => c.token)).toEqual([second.token]);
  });

  it('given a workspace that never installed the app, when it sends a command, then it gets no answer', async () => {
    await installed(WORKSPACES.first);
    const run = await slash(WORKSPACES.stranger, '/courses');
    expect(run.ack.status).toBe(200);
    expect(run.posts).toEqual([]);
    expect(run.calls).toEqual([]);
    await expect(h.adapter.messenger.postToChannel({ platform: 'slack', externalId: WORKSPACES.stranger.id }, 'C1', reply({ visibility: 'public', body: ['x'] }))).rejects.toThrow(
      /not installed/,
    );
    expect(h.fake.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
  });
});

describe('uninstalling, revoking and reinstalling', () => {
  for (const [why, event] of [
    ['app_uninstalled', { type: 'app_uninstalled' }],
    ['tokens_revoked', { type: 'tokens_revoked', tokens: { oauth: [], bot: [`UBOT${WORKSPACES.first.id}`] } }],
  ] as const) {
    it(`given ${why} from an installed workspace, then its install goes, courses stay, token unused`, async () => {
      const grant = await installed(WORKSPACES.first);
      await installed(WORKSPACES.second);
      await slash(WORKSPACES.first, '/course', 'add title:"Kept"', USERS.admin);
      const community = (await h.store.findCommunity({ platform: 'slack', externalId: WORKSPACES.first.id }))!;

      expect(await sendEvent(WORKSPACES.first, event, `Ev-${why}`)).toBe(200);
      await until(async () => (await installationOf(WORKSPACES.first)) === null);
      // Slack stops honouring the token too; nothing of ours may try it.
      h.fake.revoke(grant.token);
      const after = h.fake.calls.length;

      const run = await slash(WORKSPACES.first, '/courses');
      expect(run.ack.status).toBe(200);
      expect(run.posts).toEqual([]);
      await expect(h.adapter.messenger.sendToMember({ platform: 'slack', externalId: WORKSPACES.first.id }, USERS.member.id, reply({ visibility: 'ephemeral', body: ['reminder'] }))).rejects.toThrow(/not installed/);
      expect(h.fake.calls.slice(after).filter((c) => c.token === grant.token)).toEqual([]);
      expect(h.fake.calls.slice(after)).toEqual([]);
      // The workspace's data stays; the other workspace is untouched.
      expect((await h.store.listCourses(community.id, { sort: 'number', offset: 0, limit: 10 })).items.map((c) => c.title)).toEqual(['Kept']);
      expect(await installationOf(WORKSPACES.second)).not.toBeNull();
      expect((await slash(WORKSPACES.second, '/help')).posts).toHaveLength(1);
    });
  }

  it('given an uninstalled workspace, when it installs again, then the new token is used, courses kept', async () => {
    const old = await installed(WORKSPACES.first);
    await slash(WORKSPACES.first, '/course', 'add title:"Before"', USERS.admin);
    await sendEvent(WORKSPACES.first, { type: 'app_uninstalled' }, 'Ev-uninstall');
    await until(async () => (await installationOf(WORKSPACES.first)) === null);
    h.fake.revoke(old.token);
    // The grace period starts: the data is kept until the purge job, unless it installs again.
    const ref = { platform: 'slack' as const, externalId: WORKSPACES.first.id };
    await until(async () => (await h.store.findCommunity(ref))?.removedAt !== undefined);

    const renewed = await installed(WORKSPACES.first);
    expect((await h.store.findCommunity(ref))?.removedAt).toBeUndefined();
    expect(renewed.token).not.toBe(old.token);
    const run = await slash(WORKSPACES.first, '/courses');
    expect(JSON.stringify(run.posts[0]?.body)).toContain('Before');
    expect(run.calls.length).toBeGreaterThan(0);
    expect(run.calls.every((c) => c.token === renewed.token)).toBe(true);
  });

  it('given an installed workspace, when it installs again, then the new token replaces the old one', async () => {
    const old = await installed(WORKSPACES.first);
    const renewed = await installed(WORKSPACES.first);
    const run = await slash(WORKSPACES.first, '/help');
    expect(run.calls.every((c) => c.token === renewed.token && c.token !== old.token)).toBe(true);
  });
});

describe('deliveries from a worker (no receiver)', () => {
  it('given OAuth mode, when a worker posts, then it reads tokens from the store; uninstalled refuses', async () => {
    const first = await installed(WORKSPACES.first);
    const second = await installed(WORKSPACES.second);
    const worker = createSlackMessenger(slackMessengerConfig({ core: h.core, config: h.config, logger: silentLogger }));
    const before = h.fake.calls.length;
    await worker.postToChannel({ platform: 'slack', externalId: WORKSPACES.first.id }, 'C0DIGEST', reply({ visibility: 'public', title: 'Digest', body: [] }));
    await worker.sendToMember({ platform: 'slack', externalId: WORKSPACES.second.id }, USERS.member.id, reply({ visibility: 'ephemeral', body: ['Reminder'] }));
    expect(h.fake.calls.slice(before).map((c) => [c.method, c.token])).toEqual([
      ['chat.postMessage', first.token],
      ['conversations.open', second.token],
      ['chat.postMessage', second.token],
    ]);

    await sendEvent(WORKSPACES.first, { type: 'app_uninstalled' }, 'Ev-worker');
    await until(async () => (await installationOf(WORKSPACES.first)) === null);
    const after = h.fake.calls.length;
    await expect(worker.postToChannel({ platform: 'slack', externalId: WORKSPACES.first.id }, 'C0DIGEST', reply({ visibility: 'public', body: ['x'] }))).rejects.toThrow(/not installed/);
    expect(h.fake.calls.slice(after)).toEqual([]);
  });
});

describe('installations at rest', () => {
  it('given installations, when a new adapter starts on the same file, then the workspaces still work', async () => {
    const first = await installed(WORKSPACES.first);
    const second = await installed(WORKSPACES.second);
    await h.restart();
    const fromFirst = await slash(WORKSPACES.first, '/help');
    const fromSecond = await slash(WORKSPACES.second, '/help');
    expect(headerText(fromFirst.posts[0]?.body)).toBe('Syllabot commands');
    expect(headerText(fromSecond.posts[0]?.body)).toBe('Syllabot commands');
    expect(fromFirst.calls.every((c) => c.token === first.token)).toBe(true);
    expect(fromSecond.calls.every((c) => c.token === second.token)).toBe(true);
  });

  it('given installs, reinstalls and an uninstall, then no file holds a token in clear, hex or base64', async () => {
    await installed(WORKSPACES.first);
    await installed(WORKSPACES.second);
    await installed(WORKSPACES.first);
    await sendEvent(WORKSPACES.second, { type: 'app_uninstalled' }, 'Ev-gone');
    await until(async () => (await installationOf(WORKSPACES.second)) === null);
    await slash(WORKSPACES.first, '/help');

    const tokens = [...h.fake.grantsFor(WORKSPACES.first.id), ...h.fake.grantsFor(WORKSPACES.second.id)].map((g) => g.token);
    expect(tokens).toHaveLength(3);
    const files = readdirSync(h.dir).map((name) => join(h.dir, name));
    expect(files.some((f) => f.endsWith('-wal'))).toBe(true);
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    // The scan sees the installation rows: the workspace's name is stored in clear beside the sealed token.
    expect(bytes.includes(WORKSPACES.first.name)).toBe(true);
    const found = tokens.flatMap((token) => secretForms({ SLACK_BOT_TOKEN: token }).filter((form) => bytes.includes(form)));
    expect(found).toEqual([]);
    console.log(`installations at rest: ${files.length} files, ${bytes.length} bytes scanned for ${tokens.length} tokens in ${tokens.length * secretForms({ SLACK_BOT_TOKEN: tokens[0]! }).length} forms`);
  });
});

/** Starts another install for the second workspace and stops before the browser comes back. */
async function consentWithoutCallback(team: Team): Promise<{ callbackUrl: URL }> {
  const install = await httpGet(`${h.base()}/slack/install`);
  h.fake.consentAs(team);
  const consent = await httpGet(String(install.headers.location));
  return { callbackUrl: new URL(String(consent.headers.location)) };
}
