import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webApi } from '@slack/bolt';
import { SlackMemberDirectory } from '../../adapters/slack/members.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { FakeSlackWebApi } from '../fakes/slack/web-api.ts';

const TOKEN = 'xoxb-members-test';
let fake: FakeSlackWebApi;
let api: webApi.WebClient;

beforeAll(async () => {
  fake = await FakeSlackWebApi.start({
    botToken: TOKEN,
    team: { id: 'T1', name: 'Team' },
    users: [
      { id: 'UADMIN', name: 'ada', displayName: 'Ada', isAdmin: true, locale: 'zh-CN' },
      { id: 'UPRIMARY', name: 'pat', realName: 'Pat Primary', isPrimaryOwner: true },
      { id: 'UPLAIN', name: 'plain' },
    ],
  });
  api = new webApi.WebClient(undefined, { slackApiUrl: fake.url, retryConfig: { retries: 0 } });
});
afterAll(() => fake.close());

describe('Slack members (users.info)', () => {
  it('maps admins, owners and primary owners to workspace admins, with the locale and best display name', async () => {
    const members = new SlackMemberDirectory(api, silentLogger);
    expect(await members.lookup(TOKEN, 'T1', 'UADMIN', 'ada')).toEqual({ displayName: 'Ada', locale: 'zh-CN', workspaceAdmin: true });
    expect(await members.lookup(TOKEN, 'T1', 'UPRIMARY', 'pat')).toEqual({ displayName: 'Pat Primary', locale: undefined, workspaceAdmin: true });
    expect(await members.lookup(TOKEN, 'T1', 'UPLAIN', 'plain')).toEqual({ displayName: 'plain', locale: undefined, workspaceAdmin: false });
    expect(fake.callsTo('users.info').every((c) => c.body.include_locale === 'true' && c.token === TOKEN)).toBe(true);
  });

  it('caches per member for the TTL and asks again after it', async () => {
    let now = 0;
    const members = new SlackMemberDirectory(api, silentLogger, 60_000, () => now);
    const before = fake.callsTo('users.info').length;
    await Promise.all([members.lookup(TOKEN, 'T1', 'UADMIN', ''), members.lookup(TOKEN, 'T1', 'UADMIN', '')]);
    await members.lookup(TOKEN, 'T1', 'UADMIN', '');
    expect(fake.callsTo('users.info').length - before).toBe(1);
    now = 60_001;
    await members.lookup(TOKEN, 'T1', 'UADMIN', '');
    expect(fake.callsTo('users.info').length - before).toBe(2);
  });

  it('given users.info fails, then the member is nobody special and the failure is not cached', async () => {
    const members = new SlackMemberDirectory(api, silentLogger);
    fake.failNext('users.info', 'ratelimited');
    expect(await members.lookup(TOKEN, 'T1', 'UADMIN', 'ada')).toEqual({ displayName: 'ada', workspaceAdmin: false });
    expect((await members.lookup(TOKEN, 'T1', 'UADMIN', 'ada')).workspaceAdmin).toBe(true);
  });
});
