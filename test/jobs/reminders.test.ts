import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import type { Community, Course, Member } from '../../src/domain/model.ts';
import type { DomainEvent } from '../../src/ports/events.ts';
import type { JobsOptions } from '../../jobs/options.ts';
import { reminderJobId, type ReminderKind } from '../../jobs/reminders.ts';
import { DEFAULT_JOB_OPTIONS } from '../../jobs/queues.ts';
import { cleanupPrefix, COMMUNITY, createWorld, randomPrefix, startJobsFor, startsIn24hPlus, waitUntil, type World, worldWithJobs } from './harness.ts';

const HOUR = 60 * 60 * 1000;

describe('reminders on BullMQ (real Redis)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: Partial<JobsOptions> = {}) {
    const { world, messenger, jobs } = await worldWithJobs(cleanups, { options });
    return { world, messenger, jobs, queue: jobs.queues.get('reminders-console') };
  }

  async function lookup(world: World, member: string, number = 1): Promise<{ community: Community; member: Member; course: Course }> {
    const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    return {
      community,
      member: await world.store.upsertMember(community.id, member, member),
      course: (await world.store.getCourseByNumber(community.id, number))!,
    };
  }

  const idOf = (ids: { community: Community; member: Member; course: Course }, kind: ReminderKind) =>
    reminderJobId(ids.community.id, ids.member.id, ids.course.id, kind, ids.course.startsAt);

  async function finished(queue: Queue, id: string): Promise<unknown> {
    await waitUntil(async () => (await queue.getJobState(id)) === 'completed', `job ${id} to complete`);
    return (await queue.getJob(id))?.returnvalue;
  }

  async function stateOf(queue: Queue, id: string): Promise<string> {
    return queue.getJobState(id);
  }

  it('given a course starting in a day, when a member enrolls, then the 24 h reminder comes once', async () => {
    const { world, messenger, jobs, queue } = await setup();
    await world.text(`/course add title:"Rust 101" starts:${startsIn24hPlus(1_500)}`);
    expect(await world.text('/enroll 1', 'ana')).toContain('enrolled');
    const ids = await lookup(world, 'ana');

    expect(await stateOf(queue, idOf(ids, 'start-24h'))).toBe('delayed');
    await waitUntil(() => messenger.posts.length === 1, 'the 24 h reminder');
    expect(await finished(queue, idOf(ids, 'start-24h'))).toBe('sent');

    const [dm] = messenger.posts;
    expect(dm).toMatchObject({ kind: 'member', to: 'ana', community: { platform: 'console', externalId: COMMUNITY } });
    expect(dm!.reply.title).toBe('#1 Rust 101 starts tomorrow');
    expect(dm!.text).toContain('/remind off');
    expect(dm!.reply.actions).toEqual([]);
    expect(await jobs.deliveries.wasSent(idOf(ids, 'start-24h'))).toBe(true);

    const oneHour = await queue.getJob(idOf(ids, 'start-1h'));
    expect(await oneHour?.getState()).toBe('delayed');
    expect(oneHour!.timestamp + oneHour!.delay).toBeGreaterThan(ids.course.startsAt!.getTime() - HOUR - 1_000);
    expect(await stateOf(queue, idOf(ids, 'rate-nudge'))).toBe('delayed');
  });

  it('given a reminder already sent, when it runs again, then it is skipped; the member has one', async () => {
    const { world, messenger, queue } = await setup();
    await world.text(`/course add title:"Go" starts:${startsIn24hPlus(1_000)}`);
    await world.run('/enroll 1', 'ana');
    const ids = await lookup(world, 'ana');
    const id = idOf(ids, 'start-24h');
    await finished(queue, id);
    expect(messenger.posts).toHaveLength(1);

    // A completed job with the same id makes a re-add a no-op; once it is gone, the delivery
    // log is what refuses the repeat.
    const job = (await queue.getJob(id))!;
    await job.remove();
    await queue.add(job.name, job.data, { jobId: id });
    expect(await finished(queue, id)).toBe('duplicate');
    expect(messenger.posts).toHaveLength(1);
  });

  it('given a reminder queued by an earlier version (keep options in the job), when due, then sent once', async () => {
    const { world, messenger, queue } = await setup();
    await world.text(`/course add title:"Elm" starts:${startsIn24hPlus(1_500)}`);
    await world.run('/enroll 1', 'ana');
    const ids = await lookup(world, 'ana');
    const id = idOf(ids, 'start-24h');
    const queued = (await queue.getJob(id))!;
    // This version leaves how long finished jobs are kept to the workers.
    expect(queued.opts).toMatchObject(DEFAULT_JOB_OPTIONS);
    expect(queued.opts.removeOnComplete).toBeUndefined();

    // The same reminder as the previous version queued it: same id and data, keep options stored.
    const earlier = { ...DEFAULT_JOB_OPTIONS, removeOnComplete: { age: 604_800, count: 50_000 }, removeOnFail: { age: 2_592_000 } };
    await queued.remove();
    await queue.add(queued.name, queued.data, { ...earlier, jobId: id, timestamp: queued.timestamp, delay: queued.delay });
    expect(await finished(queue, id)).toBe('sent');
    expect(messenger.posts.map((p) => p.reply.title)).toEqual(['#1 Elm starts tomorrow']);
    expect((await queue.getJob(id))!.opts.removeOnComplete).toEqual(earlier.removeOnComplete);
  });

  it('given one enrollment announced twice, when scheduled, then each reminder is queued once', async () => {
    const { world, queue } = await setup();
    await world.text(`/course add title:"Zig" starts:${startsIn24hPlus(HOUR)}`);
    await world.run('/enroll 1', 'ana');
    const ids = await lookup(world, 'ana');
    await world.core.events.publish({ type: 'enrolled', community: ids.community, member: ids.member, course: ids.course, locale: 'en' });
    const delayed = await queue.getDelayed();
    expect(delayed.map((j) => j.id).sort()).toEqual([idOf(ids, 'rate-nudge'), idOf(ids, 'start-1h'), idOf(ids, 'start-24h')].sort());
  });

  it('given queued reminders, when the member unenrolls, then their reminders are removed and others stay', async () => {
    const { world, queue } = await setup();
    await world.text(`/course add title:"Elixir" starts:${startsIn24hPlus(HOUR)}`);
    await world.run('/enroll 1', 'ana');
    await world.run('/enroll 1', 'bo');
    const ana = await lookup(world, 'ana');
    const bo = await lookup(world, 'bo');
    expect(await queue.getDelayedCount()).toBe(6);

    expect(await world.text('/unenroll 1', 'ana')).toContain('left');
    for (const kind of ['start-24h', 'start-1h', 'rate-nudge'] as const) {
      expect(await queue.getJob(idOf(ana, kind))).toBeUndefined();
      expect(await stateOf(queue, idOf(bo, kind))).toBe('delayed');
    }
  });

  it('given queued reminders, when the start moves, then they move; when archived, removed', async () => {
    const { world, queue } = await setup();
    await world.text(`/course add title:"Haskell" starts:${startsIn24hPlus(HOUR)}`);
    await world.run('/enroll 1', 'ana');
    const before = await lookup(world, 'ana');

    const later = startsIn24hPlus(5 * HOUR);
    await world.text(`/course edit 1 starts:${later}`);
    const after = await lookup(world, 'ana');
    expect(after.course.startsAt!.toISOString()).toBe(new Date(later).toISOString());
    expect(await queue.getJob(idOf(before, 'start-24h'))).toBeUndefined();
    expect(await queue.getJob(idOf(before, 'start-1h'))).toBeUndefined();
    const moved = await queue.getJob(idOf(after, 'start-24h'));
    expect(moved?.data).toMatchObject({ kind: 'start-24h', startsAt: after.course.startsAt!.getTime() });
    expect(await stateOf(queue, idOf(after, 'start-1h'))).toBe('delayed');
    // The nudge keeps its id and moves to a while after the new start.
    const nudge = (await queue.getJob(idOf(after, 'rate-nudge')))!;
    expect(nudge.timestamp + nudge.delay).toBeGreaterThan(after.course.startsAt!.getTime());

    await world.text('/course archive 1');
    expect(await queue.getDelayedCount()).toBe(0);
  });

  it('given reminders off, when a reminder is due, then nothing is sent; after /remind on the next one is', async () => {
    const { world, messenger, queue } = await setup();
    await world.text(`/course add title:"OCaml" starts:${startsIn24hPlus(1_000)}`);
    await world.run('/enroll 1', 'ana');
    expect(await world.text('/remind off', 'ana')).toContain('Reminders are off');
    const ids = await lookup(world, 'ana');
    expect(await finished(queue, idOf(ids, 'start-24h'))).toBe('skipped:reminders-off');
    expect(messenger.posts).toEqual([]);

    expect(await world.text('/remind on', 'ana')).toContain('Reminders are on');
    expect(await world.text('/remind', 'ana')).toContain('Your reminders are on');
    // The next reminder is still queued and will go out: run it now rather than in 23 hours.
    await (await queue.getJob(idOf(ids, 'start-1h')))!.promote();
    expect(await finished(queue, idOf(ids, 'start-1h'))).toBe('sent');
    expect(messenger.posts.map((p) => p.reply.title)).toEqual(['#1 OCaml starts in about an hour']);
  });

  it('given a course without a start, when the nudge delay passes, then non-raters are asked', async () => {
    const { world, messenger, queue } = await setup({ nudgeAfterMs: 1_500 });
    await world.text('/course add title:"Clojure"');
    await world.run('/enroll 1', 'ana');
    await world.run('/enroll 1', 'bo');
    await world.run('/rate 1 5', 'bo');
    const ana = await lookup(world, 'ana');
    const bo = await lookup(world, 'bo');
    expect(await finished(queue, idOf(ana, 'rate-nudge'))).toBe('sent');
    expect(await finished(queue, idOf(bo, 'rate-nudge'))).toBe('skipped:already-rated');
    expect(messenger.posts.map((p) => [p.to, p.reply.title])).toEqual([['ana', 'How is #1 Clojure going?']]);
    expect(messenger.posts[0]!.text).toContain('/rate 1 <1-5>');
  });

  it('given a reminder being delivered, when the process stops, then it finishes, recorded', async () => {
    const prefix = randomPrefix();
    const world = createWorld();
    cleanups.push(() => world.close(), () => cleanupPrefix(prefix));
    let release: () => void = () => undefined;
    const calls: string[] = [];
    world.core.messengers.register({
      platforms: ['console'],
      postToChannel: async () => undefined,
      sendToMember: async (_community, member) => {
        calls.push(`start ${member}`);
        await new Promise<void>((resolve) => (release = resolve));
        calls.push(`done ${member}`);
      },
    });
    const jobs = await startJobsFor(world, { prefix, options: { nudgeAfterMs: 200 } });
    await world.run('/course add title:"Rust"');
    await world.run('/enroll 1', 'ana');
    await waitUntil(() => calls.length === 1, 'the delivery to start');

    const stopping = jobs.stop();
    setTimeout(() => release(), 300);
    await stopping;
    expect(calls).toEqual(['start ana', 'done ana']);
    const ids = await lookup(world, 'ana');
    const queue = new Queue('reminders-console', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
    cleanups.push(() => queue.close());
    expect(await queue.getJobState(idOf(ids, 'rate-nudge'))).toBe('completed');
    expect(world.core.services.jobs()).toBe('off');
  });

  it('given an event with the member language, when the reminder is sent, then it is in it', async () => {
    const { world, messenger } = await setup({ nudgeAfterMs: 500 });
    await world.text('/course add title:"Go"');
    const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    const member = await world.store.upsertMember(community.id, 'mei', 'mei');
    const course = (await world.store.getCourseByNumber(community.id, 1))!;
    await world.store.enroll(community.id, member.id, course.id, new Date());
    // The member's locale rides on the event when the enrolling command adds it (see README).
    const event = { type: 'enrolled', community, member, course, locale: 'zh-CN' } as DomainEvent;
    await world.core.events.publish(event);
    await waitUntil(() => messenger.posts.length === 1, 'the nudge');
    expect(messenger.posts[0]!.reply.title).toBe('#1 Go 学得怎么样？');
  });

  it('given a community whose language is zh-CN, when a reminder is sent, then it is in Chinese', async () => {
    const { world, messenger } = await setup({ nudgeAfterMs: 500 });
    expect(await world.text('/settings locale zh-CN')).toContain('zh-CN');
    await world.text('/course add title:"Rust 入门"');
    // A member whose platform reports no language reads the community's.
    await world.run('/enroll 1', 'ana', '');
    await waitUntil(() => messenger.posts.length === 1, 'the nudge');
    expect(messenger.posts[0]!.reply.title).toBe('#1 Rust 入门 学得怎么样？');
    expect(messenger.posts[0]!.text).toContain('/remind off');
  });
});
