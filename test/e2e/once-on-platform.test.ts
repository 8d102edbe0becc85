import { afterEach, describe, expect, it } from 'vitest';
import { createDiscordMessenger, deliveryNonce } from '../../adapters/discord/messenger.ts';
import { createSlackMessenger, DELIVERY_EVENT } from '../../adapters/slack/messenger.ts';
import { reply } from '../../src/domain/reply.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { FakeSlackWebApi } from '../fakes/slack/web-api.ts';
import { BOT_TOKEN, TEAM } from '../fakes/slack/harness.ts';
import { createTestCore, type TestCore } from '../support/core.ts';

/**
 * The platform side of "once": the real discord.js REST client and the real Slack Web API client
 * against fakes that keep Discord's nonce window and Slack's history with metadata.
 */
const message = reply({ visibility: 'public', title: 'How is #1 Rust going?', body: ['Rate it with /rate 1'] });

describe('Discord: a job message carries a nonce derived from its delivery id, with enforce_nonce', () => {
  let core: TestCore;
  let discord: FakeDiscord;
  afterEach(async () => {
    await discord.close();
    await core.dispose();
  });

  async function setup(nonceWindowMs?: number) {
    core = createTestCore();
    discord = await FakeDiscord.start({ latencyMs: 20, ...(nonceWindowMs === undefined ? {} : { nonceWindowMs }) });
    const guild = discord.addGuild({ name: 'Guild' });
    const community = await core.store.upsertCommunity({ platform: 'discord', externalId: guild.id }, 'Guild');
    const messenger = createDiscordMessenger({ core, logger: silentLogger, token: discord.token, apiUrl: discord.apiUrl });
    return { community, messenger, guild };
  }

  it('given one delivery sent twice (crash before "sent"), then Discord creates one message', async () => {
    const { community, messenger } = await setup();
    const member = snowflake();
    const delivery = { id: 'reminder-1-2-3-rate-nudge', mayBeRepeat: false };
    await messenger.sendToMember(community, member, message, delivery);
    await messenger.sendToMember(community, member, message, { ...delivery, mayBeRepeat: true });
    await messenger.sendToMember(community, member, message, { id: 'reminder-1-2-4-rate-nudge', mayBeRepeat: false });
    const posts = discord.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/messages'));
    expect(posts.map((r) => [(r.body as { nonce?: string }).nonce, (r.body as { enforce_nonce?: boolean }).enforce_nonce])).toEqual([
      [deliveryNonce(delivery.id), true],
      [deliveryNonce(delivery.id), true],
      [deliveryNonce('reminder-1-2-4-rate-nudge'), true],
    ]);
    expect(discord.created.map((m) => m.nonce)).toEqual([deliveryNonce(delivery.id), deliveryNonce('reminder-1-2-4-rate-nudge')]);
    expect(deliveryNonce(delivery.id)).toHaveLength(25);
  });

  it('given a digest post repeated after the nonce window, then Discord creates a second message', async () => {
    const { community, messenger, guild } = await setup(100);
    const delivery = { id: 'repeat-digest-7-1767261600000', mayBeRepeat: true };
    await messenger.postToChannel(community, guild.channelId, message, delivery);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await messenger.postToChannel(community, guild.channelId, message, delivery);
    expect(discord.created.filter((m) => m.channelId === guild.channelId)).toHaveLength(2);
  });

  it('given a nonce longer than 25 characters, then the fake refuses it as Discord does', async () => {
    await setup();
    const response = await fetch(`${discord.apiUrl}/v10/channels/${discord.guilds[0]!.channelId}/messages`, {
      method: 'POST',
      headers: { authorization: `Bot ${discord.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'x', nonce: 'n'.repeat(26), enforce_nonce: true }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { code: number }).code).toBe(50035);
  });
});

describe('Slack: a job message names its delivery id in metadata; a possible repeat reads the history first', () => {
  let core: TestCore;
  let slack: FakeSlackWebApi;
  afterEach(async () => {
    await slack.close();
    await core.dispose();
  });

  async function setup() {
    core = createTestCore();
    slack = await FakeSlackWebApi.start({ botToken: BOT_TOKEN, team: { id: TEAM.id, name: TEAM.name }, users: [{ id: 'UANA', name: 'ana' }], latencyMs: 20 });
    const community = await core.store.upsertCommunity({ platform: 'slack', externalId: TEAM.id }, TEAM.name);
    const messenger = createSlackMessenger({ core, logger: silentLogger, logLevel: 'silent', apiUrl: slack.url, botToken: BOT_TOKEN, oauth: undefined });
    return { community, messenger };
  }

  it('given a first attempt, then it posts with metadata and reads no history', async () => {
    const { community, messenger } = await setup();
    expect(await messenger.sendToMember(community, 'UANA', message, { id: 'd-1', mayBeRepeat: false })).toBe('posted');
    expect(slack.callsTo('conversations.history')).toHaveLength(0);
    expect(slack.callsTo('chat.postMessage').map((c) => c.body.metadata)).toEqual([{ event_type: DELIVERY_EVENT, event_payload: { delivery_id: 'd-1' } }]);
  });

  it('given a repeat of a delivery that landed, then it finds it in the history and posts nothing', async () => {
    const { community, messenger } = await setup();
    await messenger.sendToMember(community, 'UANA', message, { id: 'd-1', mayBeRepeat: false });
    expect(await messenger.sendToMember(community, 'UANA', message, { id: 'd-1', mayBeRepeat: true })).toBe('found-earlier');
    expect(slack.callsTo('conversations.history').map((c) => [c.body.channel, String(c.body.include_all_metadata)])).toEqual([['DUANA', 'true']]);
    expect(slack.allMessages()).toHaveLength(1);
  });

  it('given a possible repeat that never landed, then it reads the history, finds nothing and posts once', async () => {
    const { community, messenger } = await setup();
    await messenger.sendToMember(community, 'UANA', message, { id: 'd-1', mayBeRepeat: false });
    expect(await messenger.sendToMember(community, 'UANA', message, { id: 'd-2', mayBeRepeat: true })).toBe('posted');
    expect(slack.allMessages().map((m) => m.metadata?.event_payload.delivery_id)).toEqual(['d-1', 'd-2']);
  });

  it('given a history call without include_all_metadata, then the fake leaves metadata out, as Slack does', async () => {
    const { community, messenger } = await setup();
    await messenger.postToChannel(community, 'CDIGEST', message, { id: 'd-9', mayBeRepeat: false });
    const answer = (await (
      await fetch(`${slack.url}conversations.history`, { method: 'POST', headers: { authorization: `Bearer ${BOT_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'CDIGEST' }) })
    ).json()) as { messages: Record<string, unknown>[] };
    expect(answer.messages).toHaveLength(1);
    expect(answer.messages[0]).not.toHaveProperty('metadata');
  });
});
