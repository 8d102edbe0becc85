import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';
import { member, createTestCore, type TestCore } from '../support/core.ts';
import { purgeRemovedCommunities, scheduledBackup } from '../../jobs/maintenance.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { cleanupPrefix, COMMUNITY, createWorld, randomPrefix, startJobsFor, waitUntil } from '../jobs/harness.ts';
import { tempDir } from './support.ts';

const DAY = 24 * 60 * 60 * 1000;
const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('grace period after the bot is removed', () => {
  let core: TestCore;
  afterEach(async () => {
    await core?.dispose();
  });

  async function withCommunities(): Promise<void> {
    core = createTestCore();
    for (const community of ['gone', 'stays']) {
      await member(core, { id: 'mod', moderator: true, community }).say('/course add title:Rust');
      await member(core, { id: 'ana', community }).say('/enroll 1');
      await member(core, { id: 'ana', community }).say('/rate 1 5');
    }
  }

  it('given a removed community, when purged before and after grace, then only it, only after', async () => {
    await withCommunities();
    const removedAt = new Date(Date.UTC(2026, 0, 1));
    await core.store.markCommunityRemoved({ platform: 'console', externalId: 'gone' }, removedAt);
    const settings = { gracePeriodMs: 30 * DAY, purgeEveryMs: 1000, backup: null };
    const at = (ms: number) => ({ now: () => new Date(removedAt.getTime() + ms) });
    expect(await purgeRemovedCommunities({ store: core.store, clock: at(30 * DAY - 1), logger: silentLogger, settings })).toBe(0);
    expect(await core.store.findCommunity({ platform: 'console', externalId: 'gone' })).not.toBeNull();
    expect(await purgeRemovedCommunities({ store: core.store, clock: at(30 * DAY), logger: silentLogger, settings })).toBe(1);
    expect(await core.store.findCommunity({ platform: 'console', externalId: 'gone' })).toBeNull();
    const stays = (await core.store.findCommunity({ platform: 'console', externalId: 'stays' }))!;
    expect(await core.store.countMembers(stays.id)).toBe(2);
  });

  it('given a removed community, when a command comes in its grace period, then no purge', async () => {
    await withCommunities();
    await core.store.markCommunityRemoved({ platform: 'console', externalId: 'gone' }, new Date(Date.UTC(2026, 0, 1)));
    await member(core, { id: 'ana', community: 'gone' }).say('/courses');
    expect((await core.store.findCommunity({ platform: 'console', externalId: 'gone' }))?.removedAt).toBeUndefined();
    const settings = { gracePeriodMs: 0, purgeEveryMs: 1000, backup: null };
    expect(await purgeRemovedCommunities({ store: core.store, clock: { now: () => new Date(Date.UTC(2027, 0, 1)) }, logger: silentLogger, settings })).toBe(0);
  });

  describe('on Discord', () => {
    let bot: RunningBot;
    afterEach(async () => {
      await bot?.close();
    });

    it('given a server the bot leaves, when GUILD_DELETE arrives, then grace starts; not for outages', async () => {
      bot = await startBot();
      const store = bot.core.store;
      const [left, outage] = [bot.fake.addGuild({ name: 'Left' }), bot.fake.addGuild({ name: 'Outage' })];
      for (const guild of [left, outage]) await store.upsertCommunity({ platform: 'discord', externalId: guild.id }, guild.name);
      bot.fake.sendRawDispatch(0, 'GUILD_DELETE', { id: outage.id, unavailable: true });
      bot.fake.sendRawDispatch(0, 'GUILD_DELETE', { id: left.id });
      await waitUntil(async () => (await store.findCommunity({ platform: 'discord', externalId: left.id }))?.removedAt, 'the grace period to start');
      expect((await store.findCommunity({ platform: 'discord', externalId: outage.id }))?.removedAt).toBeUndefined();
      bot.fake.sendRawDispatch(0, 'GUILD_CREATE', bot.fake.guildCreate(left));
      await waitUntil(async () => (await store.findCommunity({ platform: 'discord', externalId: left.id }))?.removedAt === undefined, 'the grace period to end');
    });
  });
});

describe('scheduled maintenance jobs (real Redis)', () => {
  it('given BACKUP_KEEP=2, when the backup job runs repeatedly, then each opens, newest two kept', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const world = createWorld();
    cleanup.push(() => world.close());
    await world.run('/course add title:Rust');
    await world.run('/enroll 1', 'ana');
    const dir = join(tmp.dir, 'backups');
    const settings = { gracePeriodMs: DAY, purgeEveryMs: 60_000, backup: { dir, keep: 2, everyMs: 60_000 } };
    let tick = Date.UTC(2026, 5, 1, 12, 0, 0);
    const clock = { now: () => new Date((tick += 1000)) };
    for (let i = 0; i < 4; i++) expect(await scheduledBackup({ store: world.store, clock, logger: silentLogger, settings })).toMatch(/^written:/);
    const files = readdirSync(dir).sort();
    expect(files).toEqual(['syllabot-20260601T120003Z.sqlite', 'syllabot-20260601T120004Z.sqlite']);
    const copy = SqliteStore.open({ path: join(dir, files[1]!) });
    const community = (await copy.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    expect(await copy.countMembers(community.id)).toBe(2);
    await copy.close();
  });

  it('given a community past its grace period, when the job runs, then it purges after a backup', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const prefix = randomPrefix();
    const world = createWorld();
    cleanup.push(() => world.close(), () => cleanupPrefix(prefix));
    await world.run('/course add title:Rust');
    await world.store.markCommunityRemoved({ platform: 'console', externalId: COMMUNITY }, new Date(Date.now() - 2 * DAY));
    const dir = join(tmp.dir, 'backups');
    const jobs = await startJobsFor(world, { prefix, options: { gracePeriodMs: DAY, purgeEveryMs: 300, backup: { dir, keep: 3, everyMs: 300 } } });
    cleanup.push(() => jobs.stop());
    await waitUntil(async () => (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY })) === null, 'the purge job');
    await waitUntil(() => existsSync(dir) && readdirSync(dir).length > 0, 'a scheduled backup');
  });
});
