import { afterEach, describe, expect, it } from 'vitest';
import type { Community, Course, Member } from '../../src/domain/model.ts';
import { reminderJobId } from '../../jobs/reminders.ts';
import { digestSchedulerId } from '../../jobs/digests.ts';
import type { JobsService } from '../../jobs/runtime.ts';
import { COMMUNITY, createWorld, freePort, OwnRedis, randomPrefix, RecordingMessenger, startJobsFor, startsIn24hPlus, waitUntil, type World } from './harness.ts';

const PAUSED = "Paused: the job queue (Redis) can't be reached";
const HOUR = 60 * 60 * 1000;

/**
 * These tests stop and start a Redis of their own (never the shared one). Two kinds of restart
 * are covered, because they guarantee different things:
 * - with an append-only file, Redis comes back with its queues: a reminder queued before the
 *   outage is the same job after it;
 * - without persistence, Redis comes back empty: the reconcile re-creates from the store every
 *   reminder still ahead and every digest scheduler.
 * Either way, enrollments made while Redis was down get their reminders when it is back.
 */
describe('Redis going away and coming back (test-owned redis-server)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(persist: boolean, startRedis: boolean) {
    const redis = new OwnRedis(await freePort(), persist);
    cleanups.push(() => redis.dispose());
    if (startRedis) await redis.start();
    const world = createWorld();
    const messenger = new RecordingMessenger();
    world.core.messengers.register(messenger);
    cleanups.push(() => world.close());
    const jobs = await startJobsFor(world, { prefix: randomPrefix(), redisUrl: redis.url }, startRedis);
    cleanups.push(() => jobs.stop());
    return { redis, world, messenger, jobs };
  }

  async function lookup(world: World, member: string): Promise<{ community: Community; member: Member; course: Course }> {
    const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    return { community, member: await world.store.upsertMember(community.id, member, member), course: (await world.store.getCourseByNumber(community.id, 1))! };
  }

  const id24 = (ids: { community: Community; member: Member; course: Course }) => reminderJobId(ids.community.id, ids.member.id, ids.course.id, 'start-24h', ids.course.startsAt);

  async function backUp(world: World, jobs: JobsService): Promise<void> {
    await waitUntil(() => world.core.services.jobs() === 'running', 'the jobs to resume');
    await jobs.settled();
  }

  it('given Redis down at start, when members act, then answered; when it starts, reminders go out', async () => {
    const { redis, world, messenger, jobs } = await setup(false, false);
    expect(world.core.services.jobs()).toBe('paused');
    expect(await world.text('/help')).toContain(PAUSED);
    expect(await world.text('/remind', 'ana')).toContain('Reminders are paused right now');
    expect((await world.run(`/course add title:"Rust" starts:${startsIn24hPlus(4_000)}`)).outcome).toBe('ok');
    const enrolled = await world.run('/enroll 1', 'ana');
    expect(enrolled.outcome).toBe('ok');
    expect(enrolled.reply.body[0]).toContain("You're enrolled in #1 Rust");
    await waitUntil(() => world.logger.messages('warn').some((m) => m.includes('Redis is unreachable')), 'the paused warning');
    expect(messenger.posts).toEqual([]);

    await redis.start();
    await backUp(world, jobs);
    expect(await world.text('/help')).not.toContain(PAUSED);
    expect(world.logger.messages('info')).toContain('connected to Redis: reminders and digests run');
    await waitUntil(() => messenger.posts.length === 1, 'the reminder of an enrollment made while Redis was unreachable');
    expect(messenger.posts[0]).toMatchObject({ to: 'ana', reply: { title: '#1 Rust starts tomorrow' } });
  });

  it('given a queued reminder, when Redis (AOF) restarts, then it is delivered once, and new ones too', async () => {
    const { redis, world, messenger, jobs } = await setup(true, true);
    await world.run(`/course add title:"Go" starts:${startsIn24hPlus(6_000)}`);
    await world.run('/enroll 1', 'ana');
    const ana = await lookup(world, 'ana');
    const queued = (await jobs.queues.get('reminders-console').getJob(id24(ana)))!;
    expect(await queued.getState()).toBe('delayed');

    await redis.stop();
    await waitUntil(() => world.core.services.jobs() === 'paused', 'the jobs to pause');
    expect(world.logger.messages('warn')).toContain('lost Redis: reminders and digests are paused until it is back; commands still work');
    expect(await world.text('/help')).toContain(PAUSED);
    expect((await world.run('/enroll 1', 'bo')).outcome).toBe('ok');

    await redis.start();
    await backUp(world, jobs);
    expect(world.logger.messages('info')).toContain('Redis is back: reminders and digests resume');
    const survivor = (await jobs.queues.get('reminders-console').getJob(id24(ana)))!;
    // The very job queued before the outage (same creation time), not a re-creation.
    expect(survivor.timestamp).toBe(queued.timestamp);

    await waitUntil(() => messenger.posts.length === 2, 'both reminders');
    const bo = await lookup(world, 'bo');
    const queue = jobs.queues.get('reminders-console');
    for (const ids of [ana, bo]) await waitUntil(async () => (await queue.getJobState(id24(ids))) === 'completed', 'the reminder job to finish');
    expect(messenger.posts.map((p) => p.to).sort()).toEqual(['ana', 'bo']);
    expect(messenger.posts.every((p) => p.reply.title === '#1 Go starts tomorrow')).toBe(true);
  });

  it('given reminders ahead and a digest, when Redis comes back empty, then the reconcile re-creates them', async () => {
    const { redis, world, jobs } = await setup(false, true);
    await world.run(`/course add title:"Zig" starts:${startsIn24hPlus(HOUR)}`);
    await world.run('/enroll 1', 'ana');
    await world.run('/settings digest general "0 9 * * 1" Asia/Shanghai');
    const ana = await lookup(world, 'ana');
    const reminders = jobs.queues.get('reminders-console');
    const digests = jobs.queues.get('digests-console');
    expect(await reminders.getDelayedCount()).toBe(3);

    await redis.stop();
    await waitUntil(() => world.core.services.jobs() === 'paused', 'the jobs to pause');
    await redis.start();
    await backUp(world, jobs);

    const delayed = await reminders.getDelayed();
    expect(delayed.map((j) => j.id).sort()).toEqual(
      [id24(ana), reminderJobId(ana.community.id, ana.member.id, ana.course.id, 'start-1h', ana.course.startsAt), reminderJobId(ana.community.id, ana.member.id, ana.course.id, 'rate-nudge')].sort(),
    );
    const restored = delayed.find((j) => j.id === id24(ana))!;
    expect(restored.timestamp + restored.delay).toBe(ana.course.startsAt!.getTime() - 24 * HOUR);
    expect((await digests.getJobSchedulers()).map((s) => [s.key, s.pattern, s.tz])).toEqual([[digestSchedulerId(ana.community.id), '0 9 * * 1', 'Asia/Shanghai']]);
    expect(world.logger.entries.findLast((e) => e.msg.startsWith('jobs reconciled'))?.obj).toMatchObject({ communities: 1, digestSchedulers: 1 });
  });
});
