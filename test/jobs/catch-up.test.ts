import { afterEach, describe, expect, it } from 'vitest';
import { reminderJobId } from '../../jobs/reminders.ts';
import { catchUpDigestJobId, dueDigestSlots, splitForCatchUp } from '../../jobs/catch-up.ts';
import { digestDeliveryKey } from '../../jobs/digests.ts';
import type { PlannedReminder } from '../../jobs/reminders.ts';
import type { Community } from '../../src/domain/model.ts';
import { COMMUNITY, createWorld, freePort, OwnRedis, randomPrefix, RecordingMessenger, startJobsFor, startsIn24hPlus, waitUntil } from './harness.ts';

const HOUR = 3_600_000;

/** An ISO start time (whole seconds) `ms` from now. */
const startsIn = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString().replace('.000Z', 'Z');

describe('catch-up after Redis comes back empty (test-owned redis-server, no persistence)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A console world recording its posts, and a started redis-server of its own (no persistence). */
  async function worldOnOwnRedis() {
    const redis = new OwnRedis(await freePort(), false);
    cleanups.push(() => redis.dispose());
    await redis.start();
    const world = createWorld();
    const messenger = new RecordingMessenger();
    world.core.messengers.register(messenger);
    cleanups.push(() => world.close());
    return { redis, world, messenger };
  }

  it('given reminders due while Redis was away, when it returns empty, then unsent go once, late', async () => {
    const { redis, world, messenger } = await worldOnOwnRedis();
    const jobs = await startJobsFor(world, { prefix: randomPrefix(), redisUrl: redis.url });
    cleanups.push(() => jobs.stop());

    // #1 Go: ana's "24 h before" falls due in ~2 s and is sent while Redis is up.
    await world.run(`/course add title:"Go" starts:${startsIn24hPlus(2_000)}`);
    await world.run('/enroll 1', 'ana');
    await waitUntil(() => messenger.posts.length === 1, "ana's reminder");
    // #2 Zig: bo's "24 h before" falls due in ~4 s, while Redis is down.
    await world.run(`/course add title:"Zig" starts:${startsIn24hPlus(4_000)}`);
    await world.run('/enroll 2', 'bo');
    // #3 Old: starts in ~3 s; cy enrolled two hours ago (written to the store directly: no event,
    // nothing queued), so her "1 h before" fell due an hour ago and the course will have started
    // when Redis is back.
    await world.run(`/course add title:"Old" starts:${startsIn(3_000)}`);
    const here = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    const cyMember = await world.store.upsertMember(here.id, 'cy', 'cy');
    await world.store.enroll(here.id, cyMember.id, (await world.store.getCourseByNumber(here.id, 3))!.id, new Date(Date.now() - 2 * HOUR));

    await redis.stop();
    await waitUntil(() => world.core.services.jobs() === 'paused', 'the jobs to pause');
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    await redis.start();
    await waitUntil(() => world.core.services.jobs() === 'running', 'the jobs to resume');
    await jobs.settled();

    await waitUntil(() => messenger.posts.length === 2, "bo's reminder, sent late");
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(messenger.posts.map((p) => [p.to, p.reply.title])).toEqual([
      ['ana', '#1 Go starts tomorrow'],
      ['bo', '#2 Zig starts tomorrow'],
    ]);
    const reconciled = world.logger.entries.findLast((e) => e.msg.startsWith('jobs reconciled'))!;
    expect(reconciled.obj).toMatchObject({ remindersSkippedStarted: 1 });
    const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    const cy = (await world.store.findMember(community.id, 'cy'))!;
    const old = (await world.store.getCourseByNumber(community.id, 3))!;
    expect(world.logger.entries.filter((e) => e.msg === 'reminder not sent late: the course has already started').map((e) => e.obj)).toContainEqual(
      expect.objectContaining({ job: reminderJobId(community.id, cy.id, old.id, 'start-1h', old.startsAt), kind: 'start-1h' }),
    );
    expect(world.logger.messages('warn')).toContain('Redis came back without its data: queuing again every reminder and digest of the catch-up window that was not sent');
  });

  it('given a digest slot missed while Redis was empty, when it returns, then only the latest posts', async () => {
    const { redis, world, messenger } = await worldOnOwnRedis();
    const prefix = randomPrefix();
    const jobs = await startJobsFor(world, { prefix, redisUrl: redis.url });
    cleanups.push(() => jobs.stop());
    await world.run('/course add title:"Rust"');
    // Hourly at minute 0: within the 6 h window there are several past slots, none posted.
    await world.run('/settings digest general "0 * * * *" UTC');
    const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;

    await redis.stop();
    await redis.start();
    await waitUntil(() => world.core.services.jobs() === 'running', 'the jobs to resume');
    await jobs.settled();
    await waitUntil(() => messenger.posts.length === 1, 'the caught-up digest');
    const latest = dueDigestSlots(community, new Date(Date.now() - 6 * HOUR), new Date()).at(-1)!;
    expect(await world.store.deliveries.get(digestDeliveryKey(community.id, latest))).toMatchObject({ state: 'sent' });
    expect(messenger.posts[0]).toMatchObject({ kind: 'channel', to: 'general', delivery: { id: digestDeliveryKey(community.id, latest) } });

    // A second reconcile (say, a bot restart) finds it sent and posts nothing more.
    const report = await jobs.reconcile(new Date(), { catchUp: true });
    expect(report.digestsCaughtUp).toBe(0);
    expect(await jobs.queues.get('digests-console').getJob(catchUpDigestJobId(community.id, latest))).toBeTruthy();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(messenger.posts).toHaveLength(1);
  });
});

describe('what a catch-up queues', () => {
  const at = (iso: string) => new Date(iso);
  const planned = (id: string, kind: PlannedReminder['data']['kind'], fireAt: string, startsAt?: string): PlannedReminder => ({
    jobId: id,
    fireAt: at(fireAt),
    data: { communityId: 'c', memberId: 'm', courseId: id, kind, ...(startsAt ? { startsAt: at(startsAt).getTime() } : {}) },
  });

  it('given reminders around the window, then old dropped, sent skipped, started apart, rest queued', () => {
    const now = at('2026-03-01T12:00:00Z');
    const from = at('2026-03-01T06:00:00Z');
    const split = splitForCatchUp(
      [
        planned('too-old', 'rate-nudge', '2026-03-01T05:59:59Z'),
        planned('sent', 'rate-nudge', '2026-03-01T07:00:00Z'),
        planned('missed', 'start-24h', '2026-03-01T08:00:00Z', '2026-03-02T08:00:00Z'),
        planned('started', 'start-1h', '2026-03-01T10:00:00Z', '2026-03-01T11:00:00Z'),
        planned('ahead', 'start-1h', '2026-03-01T13:00:00Z', '2026-03-01T14:00:00Z'),
      ],
      from,
      now,
      new Set(['sent']),
    );
    expect(split.queue.map((r) => r.jobId)).toEqual(['missed', 'ahead']);
    expect(split.started.map((r) => r.jobId)).toEqual(['started']);
    expect(split.sent).toBe(1);
  });

  it('given a daily digest, then the slots in the window are listed oldest first, and none when it is off', () => {
    const community = { id: 'c', settings: { digest: { channelId: 'g', schedule: '0 9 * * *', timezone: 'Asia/Shanghai' } } } as unknown as Community;
    expect(dueDigestSlots(community, at('2026-03-01T00:00:00Z'), at('2026-03-02T12:00:00Z')).map((d) => d.toISOString())).toEqual(['2026-03-01T01:00:00.000Z', '2026-03-02T01:00:00.000Z']);
    expect(dueDigestSlots({ ...community, settings: {} } as Community, at('2026-03-01T00:00:00Z'), at('2026-03-02T12:00:00Z'))).toEqual([]);
  });
});
