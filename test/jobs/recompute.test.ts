import { afterEach, describe, expect, it } from 'vitest';
import type { Community, Course } from '../../src/domain/model.ts';
import { communityScore } from '../../src/domain/score.ts';
import { DailyHistory, PRUNE_SCHEDULER_ID, RECOMPUTE_SCHEDULER_ID, recomputeCommunities, recomputeCommunity } from '../../jobs/recompute.ts';
import { buildDailySnapshot } from '../../src/domain/history.ts';
import type { JobsOptions } from '../../jobs/options.ts';
import { cleanupPrefix, COMMUNITY, createWorld, randomPrefix, RecordingMessenger, startJobsFor, waitUntil, type World } from './harness.ts';

/** A small deterministic generator, so the ratings are varied but the same on every run. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('score recomputation (real Redis)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: Partial<JobsOptions> = {}, config: Record<string, string> = {}) {
    const prefix = randomPrefix();
    const world = createWorld();
    world.core.messengers.register(new RecordingMessenger());
    cleanups.push(() => world.close(), () => cleanupPrefix(prefix));
    const jobs = await startJobsFor(world, { prefix, options, config });
    cleanups.push(() => jobs.stop());
    return { world, jobs, queue: jobs.queues.get('recompute') };
  }

  /** Twelve members rate four courses of different values through the store's incremental path. */
  async function seed(world: World): Promise<{ community: Community; courses: Course[] }> {
    await world.run('/courses');
    const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    const random = lcg(42);
    const courses: Course[] = [];
    for (const [i, value] of [1, 2, 5, 0.5].entries()) {
      courses.push(await world.store.createCourse(community.id, { title: `Course ${i}`, description: '', url: null, tags: [], value, startsAt: null }));
    }
    for (let m = 0; m < 12; m++) {
      const member = await world.store.upsertMember(community.id, `m${m}`, `m${m}`);
      for (const course of courses) {
        if (random() < 0.3) continue;
        await world.store.enroll(community.id, member.id, course.id, new Date());
        // Some members change their minds: a replaced rating must not count twice.
        for (let times = random() < 0.3 ? 2 : 1; times > 0; times--) {
          await world.store.rate(community.id, member.id, course.id, 1 + Math.floor(random() * 5), null, new Date());
        }
      }
    }
    return { community, courses };
  }

  it('given incremental ratings, when the debounced recompute runs, then no repair and the snapshot equals the score', async () => {
    const { world, queue } = await setup({}, { RECOMPUTE_EVERY_MINUTES: '7' });
    const { community } = await seed(world);
    const incremental = await world.store.listActiveCourses(community.id);

    // The periodic scheduler follows RECOMPUTE_EVERY_MINUTES.
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => [s.key, s.every]).sort()).toEqual([
      [PRUNE_SCHEDULER_ID, 24 * 60 * 60_000],
      [RECOMPUTE_SCHEDULER_ID, 7 * 60_000],
    ]);

    // One more rating through the command publishes `rated`, which queues the debounced recompute.
    await world.run('/enroll 1', 'ana');
    await world.run('/rate 1 4', 'ana');
    const after = await world.store.listActiveCourses(community.id);
    await waitUntil(async () => (await world.store.listScoreSnapshots(community.id, 1)).length === 1, 'a snapshot');

    const snapshot = (await world.store.listScoreSnapshots(community.id, 1))[0]!;
    const expected = communityScore(await world.store.countMembers(community.id), after);
    expect(snapshot.score).toBeCloseTo(expected.score, 12);
    expect(snapshot.satisfaction).toBeCloseTo(expected.satisfaction, 12);
    expect(snapshot.coverage).toBeCloseTo(expected.coverage, 12);
    // The operator who ran /courses, twelve seeded members and ana.
    expect([snapshot.memberCount, snapshot.courseCount]).toEqual([14, 4]);
    // The recount changed nothing: the incremental aggregates were exact.
    expect(await world.store.listActiveCourses(community.id)).toEqual(after);
    expect(incremental.slice(1)).toEqual(after.slice(1));
    expect(world.logger.messages('warn').filter((m) => m.includes('repaired'))).toEqual([]);
    expect(await world.text('/score')).toContain('Change since the last recompute');
  });

  it('given drifted aggregates, when the periodic recompute runs, then it repairs them and logs what it repaired', async () => {
    const { world, queue } = await setup({ recomputeEveryMs: 1_000 });
    const { community, courses } = await seed(world);
    const exact = await world.store.listActiveCourses(community.id);
    world.store.database.prepare('UPDATE courses SET rating_sum = rating_sum + 7, enrolled_count = 0 WHERE id = ?').run(Number(courses[2]!.id));
    expect((await world.store.getCourse(community.id, courses[2]!.id))!.ratingSum).toBe(exact[2]!.ratingSum + 7);

    expect((await queue.getJobSchedulers()).map((s) => [s.key, s.every]).sort()).toEqual([
      [PRUNE_SCHEDULER_ID, 24 * 60 * 60_000],
      [RECOMPUTE_SCHEDULER_ID, 1_000],
    ]);
    await waitUntil(() => world.logger.entries.some((e) => e.level === 'warn' && e.msg.includes('repaired the aggregates of 1 course')), 'the repair');
    expect(await world.store.listActiveCourses(community.id)).toEqual(exact);
    const repair = world.logger.entries.find((e) => e.msg.includes('repaired the aggregates'))!;
    expect(repair.obj).toMatchObject({
      community: community.id,
      repairs: [{ courseId: courses[2]!.id, after: { ratingSum: exact[2]!.ratingSum, enrolledCount: exact[2]!.enrolledCount } }],
    });
    await waitUntil(async () => (await world.store.listScoreSnapshots(community.id, 1)).length === 1, 'a snapshot');
  });

  it('given a rating, when the recompute runs, then the daily snapshot is written at once (backfill), once', async () => {
    const { world } = await setup();
    const { community } = await seed(world);
    await world.run('/enroll 1', 'ana');
    await world.run('/rate 1 5', 'ana');
    await waitUntil(async () => (await world.store.listDailySnapshots(community.id, '2000-01-01')).length === 1, 'the daily snapshot');
    const [daily] = await world.store.listDailySnapshots(community.id, '2000-01-01');
    const score = (await world.store.listScoreSnapshots(community.id, 1))[0]!;
    expect(daily!.score).toBeCloseTo(score.score, 12);
    expect(daily!.courses).toHaveLength(4);
  });

  /** Communities with a member and a rated course each, straight through the store. */
  async function communities(world: World, names: readonly string[]): Promise<Community[]> {
    const made: Community[] = [];
    for (const name of names) {
      const community = await world.store.upsertCommunity({ platform: 'console', externalId: name }, name);
      const member = await world.store.upsertMember(community.id, 'ana', 'Ana');
      const course = await world.store.createCourse(community.id, { title: 'Rust', description: '', url: null, tags: [], value: 1, startsAt: null });
      await world.store.enroll(community.id, member.id, course.id, new Date());
      await world.store.rate(community.id, member.id, course.id, 4, null, new Date());
      made.push(community);
    }
    return made;
  }

  it('given a page with one failing community, when run, then the others are saved and it retries alone', async () => {
    const { world, queue } = await setup();
    const [a, b, c] = await communities(world, ['page-a', 'page-b', 'page-c']);
    // The file refuses b's score snapshot: its write fails inside the page's transaction.
    world.store.database.exec(`CREATE TRIGGER refuse_b BEFORE INSERT ON score_snapshots WHEN NEW.community_id = ${Number(b!.id)} BEGIN SELECT RAISE(ABORT, 'refused for b'); END`);
    // A community deleted since the tick listed it is skipped, not failed.
    await queue.add('recompute-page', { communityIds: [a!.id, b!.id, '424242', c!.id] });

    const failure = await waitUntil(() => world.logger.entries.find((e) => e.level === 'error' && e.msg.startsWith('score recompute failed for one community')), 'the failure');
    expect(failure.obj).toMatchObject({ community: b!.id });
    await waitUntil(() => world.logger.entries.find((e) => e.msg.includes('no longer in the store; skipped')), 'the gone community');
    for (const ok of [a!, c!]) {
      expect((await world.store.listScoreSnapshots(ok.id, 5)).map((s) => s.score)).toEqual([4]);
      expect(await world.store.listDailySnapshots(ok.id, '2000-01-01')).toHaveLength(1);
    }
    // b runs again as a job of its own, which fails on its own (BullMQ retries it, then lists it failed).
    const retried = await waitUntil(() => world.logger.entries.find((e) => e.msg.startsWith('job attempt failed') && (e.obj as { job?: string }).job === `recompute-${b!.id}`), 'the retry alone');
    expect(retried.level).toBe('warn');
    expect(await world.store.listScoreSnapshots(b!.id, 5)).toEqual([]);
  });

  it('given a job in the old one-community shape, when it runs, then that community is recomputed', async () => {
    const { world, queue } = await setup();
    const [community] = await communities(world, ['old-shape']);
    // What the tick's fan-out queued before pages: one job per community, named and keyed so.
    await queue.add('recompute', { communityId: community!.id }, { jobId: `recompute-${community!.id}`, removeOnComplete: true, attempts: 3 });
    await waitUntil(async () => (await world.store.listScoreSnapshots(community!.id, 1)).length === 1, 'a snapshot');
    expect((await world.store.listScoreSnapshots(community!.id, 1))[0]).toMatchObject({ score: 4, memberCount: 1, courseCount: 1 });
    expect(await world.store.listDailySnapshots(community!.id, '2000-01-01')).toHaveLength(1);
  });

  it('given snapshots past the retention, when the prune job runs, then they are deleted and newer ones kept', async () => {
    const { world, queue } = await setup({ historyRetentionDays: 30 });
    const { community } = await seed(world);
    const old = buildDailySnapshot({ communityId: community.id, day: '2020-01-01', takenAt: new Date('2020-01-01T12:00:00Z'), memberCount: 1, courses: [], priorWeight: 5 });
    await world.store.saveDailySnapshot(old);
    await world.store.saveDailySnapshot({ ...old, day: '2099-01-01', takenAt: new Date() });
    await queue.add('prune-history', {});
    await waitUntil(async () => (await world.store.listDailySnapshots(community.id, '2000-01-01')).every((s) => s.day !== '2020-01-01'), 'the prune');
    expect((await world.store.listDailySnapshots(community.id, '2000-01-01')).map((s) => s.day)).toContain('2099-01-01');
    expect(world.logger.entries.some((e) => e.msg === 'old daily snapshots pruned' && (e.obj as { pruned?: number }).pruned === 1)).toBe(true);
  });
});

describe('recompute pages run again (real SQLite)', () => {
  it('given a page that ran, when run again by a restarted process, then nothing is written twice', async () => {
    const world = createWorld();
    try {
      const ids: string[] = [];
      for (const name of ['x', 'y', 'z']) {
        const community = await world.store.upsertCommunity({ platform: 'console', externalId: name }, name);
        const member = await world.store.upsertMember(community.id, 'ana', 'Ana');
        const course = await world.store.createCourse(community.id, { title: 'Go', description: '', url: null, tags: [], value: 2, startsAt: null });
        await world.store.enroll(community.id, member.id, course.id, new Date());
        await world.store.rate(community.id, member.id, course.id, 3, null, new Date());
        ids.push(community.id);
      }
      const clock = { now: () => new Date('2026-03-01T10:00:00Z') };
      const first = await recomputeCommunities(world.store, ids, clock, world.logger, new DailyHistory(5));
      expect(first.map((o) => (o.status === 'recomputed' ? [o.result.snapshot?.score, o.result.dailySnapshot] : o.status))).toEqual(ids.map(() => [3, '2026-03-01']));
      // A retry after a crash, or Redis losing the job's completion: a fresh process memory.
      const again = await recomputeCommunities(world.store, ids, clock, world.logger, new DailyHistory(5));
      expect(again.map((o) => (o.status === 'recomputed' ? [o.result.snapshot, o.result.dailySnapshot] : o.status))).toEqual(ids.map(() => [null, null]));
      for (const id of ids) {
        expect([(await world.store.listScoreSnapshots(id, 5)).length, (await world.store.listDailySnapshots(id, '2000-01-01')).length]).toEqual([1, 1]);
      }
    } finally {
      await world.close();
    }
  });
});

describe('daily snapshots (test clock, two processes)', () => {
  it('given two processes recomputing for a week, when days pass in the community zone, then one snapshot a day', async () => {
    const world = createWorld();
    try {
      await world.run('/course add title:"Rust 101" value:2');
      await world.run('/enroll 1', 'ana');
      await world.run('/rate 1 4', 'ana');
      const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
      // The community's day is Shanghai's: 23:30 UTC is already the next day there.
      await world.store.updateCommunitySettings(community.id, { digest: { channelId: 'c', schedule: '0 9 * * 1', timezone: 'Asia/Shanghai' } });
      const processes = [new DailyHistory(5), new DailyHistory(5)];
      let now = Date.parse('2026-03-01T15:30:00Z');
      const clock = { now: () => new Date(now) };
      const written: (string | null)[] = [];
      for (let step = 0; step < 7 * 4; step++) {
        // Every 6 hours, both processes run the recompute.
        for (const history of processes) written.push((await recomputeCommunity(world.store, community.id, clock, world.logger, history)).dailySnapshot);
        now += 6 * 60 * 60 * 1000;
      }
      const days = (await world.store.listDailySnapshots(community.id, '2000-01-01')).map((s) => s.day);
      expect(days).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08']);
      expect(written.filter((d) => d !== null)).toEqual(days);
    } finally {
      await world.close();
    }
  });
});
