import { afterEach, describe, expect, it } from 'vitest';
import type { Community } from '../../src/domain/model.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { DigestScheduler, digestSchedulerId } from '../../jobs/digests.ts';
import { DEFAULT_JOB_OPTIONS, digestQueueName, Queues } from '../../jobs/queues.ts';
import { producerConnection } from '../../jobs/redis.ts';
import { cleanupPrefix, randomPrefix, SHARED_REDIS_URL } from './harness.ts';

/** The bulk digest sync the reconcile uses (real Redis, own prefix). */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function community(i: number, schedule = `${i % 60} 9 * * 1`, timezone = 'Europe/Berlin'): Community {
  return {
    id: String(1000 + i),
    platform: i % 2 === 0 ? 'discord' : 'slack',
    externalId: `ext-${i}`,
    name: `Community ${i}`,
    settings: { digest: { channelId: `C${i}`, schedule, timezone } },
    createdAt: new Date(0),
  };
}

async function setup() {
  const prefix = randomPrefix();
  const connection = producerConnection(SHARED_REDIS_URL, 1_000);
  const queues = new Queues(connection, prefix, () => undefined);
  cleanups.push(
    () => cleanupPrefix(prefix),
    async () => void (await connection.quit()),
    () => queues.close(),
  );
  return { queues, scheduler: new DigestScheduler(queues, silentLogger) };
}

async function held(queues: Queues): Promise<Map<string, [string | undefined, string | undefined]>> {
  const out = new Map<string, [string | undefined, string | undefined]>();
  for (const platform of ['discord', 'slack'] as const) {
    for (const s of await (await queues.ready(digestQueueName(platform))).getJobSchedulers(0, -1)) out.set(s.key, [s.pattern, s.tz]);
  }
  return out;
}

describe('DigestScheduler.syncAll (bulk, as the reconcile runs it)', () => {
  it('given 40 communities on two platforms, when synced in bulk, then each has one scheduler', async () => {
    const { queues, scheduler } = await setup();
    const communities = Array.from({ length: 40 }, (_, i) => community(i));
    expect(await scheduler.syncAll(communities, { concurrency: 8 })).toBe(40);
    const schedulers = await held(queues);
    expect(schedulers.size).toBe(40);
    for (const c of communities) expect(schedulers.get(digestSchedulerId(c.id))).toEqual([c.settings.digest!.schedule, 'Europe/Berlin']);
    expect(await queues.get(digestQueueName('discord')).getDelayedCount()).toBe(20);
    expect(await queues.get(digestQueueName('slack')).getDelayedCount()).toBe(20);
  });

  it('given schedulers in place, when re-synced, then only changed, moved and missing are upserted', async () => {
    const { queues, scheduler } = await setup();
    const communities = Array.from({ length: 30 }, (_, i) => community(i));
    await scheduler.syncAll(communities);
    expect(await scheduler.syncAll(communities, { skipUnchanged: true })).toBe(0);

    const rescheduled = communities.map((c, i) => (i < 3 ? community(i, '0 18 * * 5') : i < 5 ? community(i, c.settings.digest!.schedule, 'Asia/Shanghai') : c));
    await queues.get(digestQueueName('discord')).removeJobScheduler(digestSchedulerId(communities[10]!.id));
    expect(await scheduler.syncAll(rescheduled, { skipUnchanged: true })).toBe(6);
    const schedulers = await held(queues);
    expect(schedulers.size).toBe(30);
    for (const c of rescheduled) expect(schedulers.get(digestSchedulerId(c.id))).toEqual([c.settings.digest!.schedule, c.settings.digest!.timezone]);
  });

  it('given schedulers of an earlier version (keep options stored), when re-synced, then replaced once', async () => {
    const { queues, scheduler } = await setup();
    const communities = Array.from({ length: 6 }, (_, i) => community(2 * i));
    const queue = await queues.ready(digestQueueName('discord'));
    // What the previous version stored: its template carried the keep options as well.
    const earlier = { ...DEFAULT_JOB_OPTIONS, removeOnComplete: { age: 604_800, count: 50_000 }, removeOnFail: { age: 2_592_000 } };
    for (const c of communities) {
      const digest = c.settings.digest!;
      await queue.upsertJobScheduler(digestSchedulerId(c.id), { pattern: digest.schedule, tz: digest.timezone }, { name: 'digest', data: { communityId: c.id }, opts: earlier });
    }
    const before = await queue.getDelayed();
    expect(before.map((job) => job.opts.removeOnComplete)).toEqual(communities.map(() => earlier.removeOnComplete));

    expect(await scheduler.syncAll(communities, { skipUnchanged: true })).toBe(6);
    expect(await scheduler.syncAll(communities, { skipUnchanged: true })).toBe(0);

    // Same schedulers, same next-slot job ids, one next job each; the keep options are gone.
    expect(await queue.getJobSchedulersCount()).toBe(6);
    const after = await queue.getDelayed();
    expect(after.map((job) => job.id).sort()).toEqual(before.map((job) => job.id).sort());
    for (const job of after) {
      expect(job.opts).toMatchObject(DEFAULT_JOB_OPTIONS);
      expect(job.opts.removeOnComplete).toBeUndefined();
    }
    for (const s of await queue.getJobSchedulers(0, -1)) expect(s.template?.opts).toEqual(DEFAULT_JOB_OPTIONS);
  });

  it('given a process shutting down, when a bulk sync is under way, then it stops with an error', async () => {
    const { scheduler } = await setup();
    let calls = 0;
    await expect(scheduler.syncAll(Array.from({ length: 10 }, (_, i) => community(i)), { concurrency: 1, stopped: () => ++calls > 3 })).rejects.toThrow('stopped while syncing digest schedulers');
  });
});
