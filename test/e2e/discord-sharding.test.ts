import { afterEach, describe, expect, it } from 'vitest';
import { FakeDiscord, type FakeGuild } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, slashCommand, textOf, type FakeMember } from '../fakes/discord/interactions.ts';
import { guildIdOnShard, shardOf, snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';
import { shardOptions } from '../../adapters/discord/index.ts';

describe('Discord gateway: heartbeats and sharding', () => {
  const running: RunningBot[] = [];
  afterEach(async () => {
    for (const bot of running.splice(0)) await bot.close();
  });

  const ana: FakeMember = { id: snowflake(), username: 'ana' };

  it('given a short heartbeat interval, when idle, then heartbeats are acked and no reconnect happens', async () => {
    const bot = await startBot({ fake: { heartbeatIntervalMs: 50 }, prepare: (fake) => void fake.addGuild({ name: 'Heartbeats' }) });
    running.push(bot);
    await bot.fake.waitForHeartbeats(4);
    expect(bot.fake.identifies).toHaveLength(1);
    expect(bot.fake.gatewayCloses).toEqual([]);
    expect(bot.adapter.health().ok).toBe(true);
  });

  it('given shard settings or none, then discord.js gets exactly those or Discord\'s recommendation', () => {
    expect(shardOptions(undefined)).toEqual({ shards: 'auto' });
    expect(shardOptions({ count: 4 })).toEqual({ shards: [0, 1, 2, 3], shardCount: 4 });
    expect(shardOptions({ count: 4, ids: [2, 3] })).toEqual({ shards: [2, 3], shardCount: 4 });
  });

  it('given two recommended shards, then each identifies as [id, count] and answers commands', async () => {
    let guilds: FakeGuild[] = [];
    const bot = await startBot({
      fake: { recommendedShards: 2 },
      prepare: (fake) => {
        guilds = [fake.addGuild({ id: guildIdOnShard(0, 2), name: 'Zero' }), fake.addGuild({ id: guildIdOnShard(1, 2), name: 'One' })];
      },
    });
    running.push(bot);
    expect(bot.fake.identifies.map((i) => i.shard).sort()).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(bot.adapter.health()).toMatchObject({ ok: true, detail: '2 shard(s) ready' });
    for (const guild of guilds) {
      const sent = slashCommand(bot.fake, guild, ana, 'courses');
      expect(sent.shard).toBe(shardOf(guild.id, 2));
      const body = callbackBody(await bot.fake.waitForRequest(isCallback(sent)));
      expect(textOf(body.data)).toContain('No courses yet.');
    }
  });

  it('given shard ids split over two processes, then each runs only its shard and its guilds', async () => {
    const fake = await FakeDiscord.start({ recommendedShards: 1 });
    const zero = fake.addGuild({ id: guildIdOnShard(0, 2), name: 'Zero' });
    const one = fake.addGuild({ id: guildIdOnShard(1, 2), name: 'One' });
    const first = await startBot({ fake, env: { DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '0' } });
    // The second process shares the fake; its own temp store stands in for a shared database.
    const second = await startBot({ fake, env: { DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: '1' } });
    running.push(second, first);
    expect(fake.identifies.map((i) => i.shard)).toEqual([
      [0, 2],
      [1, 2],
    ]);
    const onZero = slashCommand(fake, zero, ana, 'courses');
    const onOne = slashCommand(fake, one, ana, 'help');
    expect(textOf(callbackBody(await fake.waitForRequest(isCallback(onZero))).data)).toContain('No courses yet.');
    expect(textOf(callbackBody(await fake.waitForRequest(isCallback(onOne))).data)).toContain('Syllabot commands');
    const zeroCommunities = await first.core.store.listCommunities();
    const oneCommunities = await second.core.store.listCommunities();
    expect(zeroCommunities.map((c) => c.externalId)).toEqual([zero.id]);
    expect(oneCommunities.map((c) => c.externalId)).toEqual([one.id]);
  });
});
