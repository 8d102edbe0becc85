import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisServer } from '../support/redis-server.ts';
import { reminderJobId } from '../../jobs/reminders.ts';
import { createWorld, randomPrefix, RecordingMessenger, startJobsFor, startsIn24hPlus } from './harness.ts';

// Issue 14 §2: what a command schedules is in Redis before its reply, or the reply says it is
// queued and the process does not exit before it is. A test-owned Redis is paused for writes
// (CLIENT PAUSE WRITE) so scheduling outlasts its time limit.
describe('scheduling slower than its time limit', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('given Redis paused for writes, when a member enrolls, then the reply says queued', async () => {
    const redis = await RedisServer.launch();
    cleanups.push(() => redis.stop());
    const world = createWorld();
    world.core.messengers.register(new RecordingMessenger());
    cleanups.push(() => world.close());
    const prefix = randomPrefix();
    const jobs = await startJobsFor(world, { prefix, redisUrl: redis.url, options: { schedulingTimeoutMs: 300, closeTimeoutMs: 10_000 } });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await jobs.stop();
    });
    await world.text(`/course add title:"Rust 101" starts:${startsIn24hPlus(60 * 60 * 1000)}`);

    const admin = new Redis(redis.url);
    cleanups.push(async () => void admin.disconnect());
    await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE');
    const answer = await world.text('/enroll 1', 'ana');
    expect(answer).toContain('enrolled');
    expect(answer).toMatch(/queued and will be in place in a moment/);

    // Stopping waits for the scheduling still in flight (the pause ends after 1.5 s).
    await jobs.stop();
    stopped = true;
    const community = (await world.store.findCommunity({ platform: 'console', externalId: 'jobs-test' }))!;
    const member = (await world.store.findMember(community.id, 'ana'))!;
    const course = (await world.store.getCourseByNumber(community.id, 1))!;
    const id = reminderJobId(community.id, member.id, course.id, 'start-24h', course.startsAt);
    const keys = await admin.keys(`${prefix}:reminders-console:${id}`);
    expect(keys).toHaveLength(1);
  });
});
