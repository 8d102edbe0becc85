import { describe, expect, it } from 'vitest';
import { WriteRefusedError, type WriteRefusal } from '../../src/domain/errors.ts';
import type { Community, Course, Member } from '../../src/domain/model.ts';
import type { CourseSort, Installation, Store } from '../../src/ports/store/index.ts';

export interface ContractFixture {
  store: Store;
  /** `console/local`, with members `ana` and `bo`. */
  community: Community;
  ana: Member;
  bo: Member;
}

/** Ids no store hands out: one looks like a SQLite row id, the other like a MongoDB ObjectId. */
const MISSING_IDS = ['999999', 'ffffffffffffffffffffffff'] as const;

const newCourse = (title: string, extra: Partial<{ description: string; tags: string[] }> = {}) => ({
  title,
  description: extra.description ?? '',
  url: null,
  tags: extra.tags ?? [],
  value: 1,
  startsAt: null,
});

/** Everything the port shows of a community: what "nothing changed" is checked against. */
async function dump(store: Store, community: Community): Promise<unknown> {
  const courses = (await store.listCourses(community.id, { sort: 'number', offset: 0, limit: 1_000, includeArchived: true })).items;
  const enrollments = await store.listEnrollments(community.id, {});
  const memberIds = [...new Set(enrollments.map((e) => e.memberId))];
  return {
    courses,
    enrollments,
    members: await store.countMembers(community.id),
    histograms: await Promise.all(courses.map((c) => store.starHistogram(community.id, c.id))),
    memberCourses: await Promise.all(memberIds.map((id) => store.listMemberCourses(community.id, id))),
    totals: await store.activeRatingTotals(community.id),
  };
}

async function expectRefused(work: Promise<unknown>, reason: WriteRefusal): Promise<void> {
  const error = await work.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WriteRefusedError);
  expect((error as WriteRefusedError).reason).toBe(reason);
}

/**
 * The cases issue 14 asked for, written once for every store: concurrency, refused writes that
 * change nothing, isolation of every read method, pagination and unique installations.
 */
export function describeStoreGuarantees(get: () => ContractFixture): void {
  /** A second community whose member ids and course numbers overlap the first's. */
  const elsewhere = async () => {
    const { store } = get();
    const other = await store.upsertCommunity({ platform: 'slack', externalId: 'T-other' }, 'Other');
    const anaThere = await store.upsertMember(other.id, 'ana', 'Ana');
    const rustThere = await store.createCourse(other.id, newCourse('Rust'));
    return { other, anaThere, rustThere };
  };

  describe('concurrency', () => {
    it('given parallel first ratings by one member, then one rating counts, with stars one of those sent', async () => {
      const { store, community, ana } = get();
      const rust = await store.createCourse(community.id, newCourse('Rust'));
      await store.enroll(community.id, ana.id, rust.id, new Date());
      const stars = [1, 2, 3, 4, 5, 1, 2, 3, 4, 5];
      const outcomes = await Promise.all(stars.map((s) => store.rate(community.id, ana.id, rust.id, s, null, new Date())));
      expect(outcomes.filter((o) => o.previous === null)).toHaveLength(1);
      const after = (await store.getCourse(community.id, rust.id))!;
      expect(after.ratingCount).toBe(1);
      expect(stars).toContain(after.ratingSum);
      expect((await store.starHistogram(community.id, rust.id)).reduce((a, b) => a + b, 0)).toBe(1);
      expect(await store.recomputeAggregates(community.id)).toEqual([]);
    });

    it('given 50 members rating one course at once, then count, sum and histogram add up exactly', async () => {
      const { store, community } = get();
      const rust = await store.createCourse(community.id, newCourse('Rust'));
      const members = await Promise.all(Array.from({ length: 50 }, (_, i) => store.upsertMember(community.id, `m${i}`, `M${i}`)));
      await Promise.all(members.map((m) => store.enroll(community.id, m.id, rust.id, new Date())));
      await Promise.all(members.map((m, i) => store.rate(community.id, m.id, rust.id, (i % 5) + 1, null, new Date())));
      expect(await store.getCourse(community.id, rust.id)).toMatchObject({ ratingCount: 50, ratingSum: 150, enrolledCount: 50 });
      expect(await store.starHistogram(community.id, rust.id)).toEqual([10, 10, 10, 10, 10]);
      expect(await store.recomputeAggregates(community.id)).toEqual([]);
    });

    it('given ratings landing while recomputes run, then the figures equal a full recount afterwards', async () => {
      const { store, community } = get();
      const courses = await Promise.all(['Rust', 'Go', 'Zig'].map((t) => store.createCourse(community.id, newCourse(t))));
      const members = await Promise.all(Array.from({ length: 12 }, (_, i) => store.upsertMember(community.id, `r${i}`, `R${i}`)));
      const work: Promise<unknown>[] = [];
      for (const [i, m] of members.entries()) {
        const course = courses[i % 3]!;
        work.push(store.enroll(community.id, m.id, course.id, new Date()).then(() => store.rate(community.id, m.id, course.id, (i % 5) + 1, null, new Date())));
        if (i % 2 === 0) work.push(store.unenroll(community.id, m.id, courses[(i + 1) % 3]!.id));
        work.push(store.recomputeAggregates(community.id));
      }
      await Promise.all(work);
      // Whatever the recomputes repaired or skipped, the figures are the rows' own.
      for (const course of courses) {
        const now = (await store.getCourse(community.id, course.id))!;
        const histogram = await store.starHistogram(community.id, course.id);
        expect(now.ratingCount).toBe(histogram.reduce((a, b) => a + b, 0));
        expect(now.ratingSum).toBe(histogram.reduce((a, n, i) => a + n * (i + 1), 0));
        expect(now.enrolledCount).toBe((await store.listEnrolledMemberIds(community.id, course.id)).length);
      }
      expect(await store.recomputeAggregates(community.id)).toEqual([]);
    });

    it('given parallel upserts of one member, one community and one installation, then each exists once', async () => {
      const { store, community } = get();
      const members = await Promise.all(Array.from({ length: 10 }, (_, i) => store.upsertMember(community.id, 'cara', `Cara ${i}`)));
      expect(new Set(members.map((m) => m.id)).size).toBe(1);
      expect(await store.countMembers(community.id)).toBe(3);
      const communities = await Promise.all(Array.from({ length: 10 }, (_, i) => store.upsertCommunity({ platform: 'discord', externalId: 'G-race' }, `Guild ${i}`)));
      expect(new Set(communities.map((c) => c.id)).size).toBe(1);
      expect((await store.listCommunities()).filter((c) => c.externalId === 'G-race')).toHaveLength(1);
      await Promise.all(Array.from({ length: 10 }, (_, i) => store.saveInstallation(installation('T-race', [i]))));
      expect(await store.findInstallation({ platform: 'slack', externalId: 'T-race' })).not.toBeNull();
      // One row: the first delete removes it, the second finds nothing.
      expect(await store.deleteInstallation({ platform: 'slack', externalId: 'T-race' })).toBe(true);
      expect(await store.deleteInstallation({ platform: 'slack', externalId: 'T-race' })).toBe(false);
    });

    it('given parallel edits of different fields of a course, then every edit is kept and searchable', async () => {
      const { store, community } = get();
      const course = await store.createCourse(community.id, newCourse('Rust', { description: 'old', tags: ['old'] }));
      const startsAt = new Date('2027-01-01T10:00:00Z');
      await Promise.all([
        store.updateCourse(community.id, course.id, { title: 'Rust Deluxe' }),
        store.updateCourse(community.id, course.id, { description: 'ownership and lifetimes' }),
        store.updateCourse(community.id, course.id, { tags: ['systems'] }),
        store.updateCourse(community.id, course.id, { value: 3 }),
        store.updateCourse(community.id, course.id, { url: 'https://example.com/rust' }),
        store.updateCourse(community.id, course.id, { startsAt }),
      ]);
      expect(await store.getCourse(community.id, course.id)).toMatchObject({
        title: 'Rust Deluxe',
        description: 'ownership and lifetimes',
        tags: ['systems'],
        value: 3,
        url: 'https://example.com/rust',
        startsAt,
      });
      const search = async (text: string) => (await store.listCourses(community.id, { text, sort: 'number', offset: 0, limit: 10 })).total;
      expect([await search('deluxe'), await search('lifetimes'), await search('systems'), await search('old')]).toEqual([1, 1, 1, 0]);
      expect((await store.findCoursesByTitlePrefix(community.id, 'rust d', 5)).map((c) => c.id)).toEqual([course.id]);
    });
  });

  describe('refused writes change nothing', () => {
    it('given a missing course, when enrolled in or rated, then both are refused and nothing changes', async () => {
      const { store, community, ana } = get();
      await store.createCourse(community.id, newCourse('Rust'));
      const before = await dump(store, community);
      for (const id of MISSING_IDS) {
        await expectRefused(store.enroll(community.id, ana.id, id, new Date()), 'course-not-found');
        await expectRefused(store.rate(community.id, ana.id, id, 5, null, new Date()), 'course-not-found');
      }
      expect(await dump(store, community)).toEqual(before);
    });

    it('given an archived course, when enrolled in or rated, then refused and nothing changes', async () => {
      const { store, community, ana, bo } = get();
      const rust = await store.createCourse(community.id, newCourse('Rust'));
      await store.enroll(community.id, bo.id, rust.id, new Date());
      await store.setCourseArchived(community.id, rust.id, true);
      const before = await dump(store, community);
      await expectRefused(store.enroll(community.id, ana.id, rust.id, new Date()), 'course-archived');
      await expectRefused(store.rate(community.id, ana.id, rust.id, 4, null, new Date()), 'course-archived');
      await expectRefused(store.rate(community.id, bo.id, rust.id, 4, 'late', new Date()), 'course-archived');
      expect(await dump(store, community)).toEqual(before);
    });

    it("given another community's course, when enrolled in or rated, then refused, nothing changes", async () => {
      const { store, community, ana } = get();
      const { other, anaThere, rustThere } = await elsewhere();
      await store.enroll(other.id, anaThere.id, rustThere.id, new Date());
      const before = [await dump(store, community), await dump(store, other)];
      await expectRefused(store.enroll(community.id, ana.id, rustThere.id, new Date()), 'course-not-found');
      await expectRefused(store.rate(community.id, ana.id, rustThere.id, 5, null, new Date()), 'course-not-found');
      expect([await dump(store, community), await dump(store, other)]).toEqual(before);
    });

    it("given another community's member or a missing one, when enrolling or rating, then refused", async () => {
      const { store, community } = get();
      const rust = await store.createCourse(community.id, newCourse('Rust'));
      const { other, anaThere } = await elsewhere();
      const before = [await dump(store, community), await dump(store, other)];
      for (const memberId of [anaThere.id, ...MISSING_IDS]) {
        await expectRefused(store.enroll(community.id, memberId, rust.id, new Date()), 'member-not-found');
        await expectRefused(store.rate(community.id, memberId, rust.id, 5, null, new Date()), 'member-not-found');
      }
      expect([await dump(store, community), await dump(store, other)]).toEqual(before);
    });

    it('given a missing community, when a member is registered in it, then refused and no member appears', async () => {
      const { store } = get();
      const before = await store.listCommunities();
      for (const id of MISSING_IDS) {
        await expectRefused(store.upsertMember(id, 'ghost', 'Ghost'), 'community-not-found');
        expect(await store.countMembers(id)).toBe(0);
        expect(await store.findMember(id, 'ghost')).toBeNull();
      }
      expect(await store.listCommunities()).toEqual(before);
    });

    it("given another community's course, when edited or archived from this one, then refused and unchanged", async () => {
      const { store, community } = get();
      const { other, rustThere } = await elsewhere();
      const before = await dump(store, other);
      await expectRefused(store.updateCourse(community.id, rustThere.id, { title: 'Hijacked' }), 'course-not-found');
      await expectRefused(store.setCourseArchived(community.id, rustThere.id, true), 'course-not-found');
      expect(await dump(store, other)).toEqual(before);
    });
  });

  describe('isolation of every read method', () => {
    it("given overlapping ids and numbers, when read with the other community's ids, then nothing shows", async () => {
      const { store, community, ana } = get();
      const rust = await store.createCourse(community.id, newCourse('Rust'));
      const { other, anaThere, rustThere } = await elsewhere();
      await store.enroll(other.id, anaThere.id, rustThere.id, new Date('2026-05-01T00:00:00Z'));
      await store.rate(other.id, anaThere.id, rustThere.id, 5, 'there', new Date());
      await store.saveScoreSnapshot({ communityId: other.id, takenAt: new Date(), score: 9, satisfaction: 5, coverage: 1, memberCount: 1, courseCount: 1 });
      expect(rustThere.number).toBe(rust.number);

      expect(await store.getMember(community.id, anaThere.id)).toBeNull();
      expect((await store.findMember(community.id, 'ana'))?.id).toBe(ana.id);
      expect(await store.getCourse(community.id, rustThere.id)).toBeNull();
      expect((await store.getCourseByNumber(community.id, rust.number))?.id).toBe(rust.id);
      expect((await store.findCoursesByTitlePrefix(community.id, 'rust', 10, true)).map((c) => c.id)).toEqual([rust.id]);
      expect((await store.listCourses(community.id, { sort: 'top', offset: 0, limit: 10, includeArchived: true })).items.map((c) => c.id)).toEqual([rust.id]);
      expect((await store.listActiveCourses(community.id)).map((c) => c.id)).toEqual([rust.id]);
      expect(await store.activeRatingTotals(community.id)).toEqual({ ratingCount: 0, ratingSum: 0 });
      expect(await store.isEnrolled(community.id, anaThere.id, rustThere.id)).toBe(false);
      expect(await store.isEnrolled(community.id, ana.id, rustThere.id)).toBe(false);
      expect(await store.listEnrolledMemberIds(community.id, rustThere.id)).toEqual([]);
      expect(await store.listEnrollments(community.id, {})).toEqual([]);
      expect(await store.listEnrollments(community.id, { courseId: rustThere.id })).toEqual([]);
      expect(await store.listMemberCourses(community.id, anaThere.id)).toEqual([]);
      expect(await store.starHistogram(community.id, rustThere.id)).toEqual([0, 0, 0, 0, 0]);
      expect(await store.countMembers(community.id)).toBe(2);
      expect(await store.listScoreSnapshots(community.id, 10)).toEqual([]);
      expect(await store.recomputeAggregates(community.id)).toEqual([]);

      // Writes aimed across the boundary do nothing to the other community either.
      await store.setRemindersEnabled(community.id, anaThere.id, false);
      expect((await store.getMember(other.id, anaThere.id))?.remindersEnabled).toBe(true);
      expect(await store.unenroll(community.id, anaThere.id, rustThere.id)).toBe('not-enrolled');
      expect(await store.isEnrolled(other.id, anaThere.id, rustThere.id)).toBe(true);
      expect(await store.getCourse(other.id, rustThere.id)).toMatchObject({ ratingCount: 1, ratingSum: 5, enrolledCount: 1 });
    });
  });

  describe('pagination', () => {
    /** Ten courses: pairs with equal ratings (ties for `top`), two unrated. */
    const catalog = async (): Promise<Course[]> => {
      const { store, community } = get();
      const courses: Course[] = [];
      for (let i = 1; i <= 10; i++) courses.push(await store.createCourse(community.id, newCourse(`Course ${i}`)));
      const raters = await Promise.all([0, 1].map((i) => store.upsertMember(community.id, `p${i}`, `P${i}`)));
      for (const [i, course] of courses.slice(0, 8).entries()) {
        const stars = 5 - Math.floor(i / 2);
        for (const rater of raters.slice(0, i % 2 === 0 ? 2 : 1)) {
          await store.enroll(community.id, rater.id, course.id, new Date());
          await store.rate(community.id, rater.id, course.id, stars, null, new Date());
        }
      }
      return courses;
    };

    const sorts: CourseSort[] = ['top', 'new', 'number'];
    const query = (sort: CourseSort, offset: number, limit: number) => ({ sort, prior: { mean: 3, weight: 2 }, offset, limit });

    it('given pages of three, when walked for each sort, then they join up with no duplicate and no gap', async () => {
      const { store, community } = get();
      await catalog();
      for (const sort of sorts) {
        const whole = await store.listCourses(community.id, query(sort, 0, 100));
        const walked: string[] = [];
        for (let offset = 0; offset < whole.total; offset += 3) {
          const page = await store.listCourses(community.id, query(sort, offset, 3));
          expect(page.total).toBe(10);
          walked.push(...page.items.map((c) => c.id));
        }
        expect(walked, sort).toEqual(whole.items.map((c) => c.id));
        expect(new Set(walked).size).toBe(10);
      }
    });

    it('given an offset past page one or past the end, then the next page or none, with the total kept', async () => {
      const { store, community } = get();
      await catalog();
      const second = await store.listCourses(community.id, query('number', 4, 4));
      expect(second.items.map((c) => c.number)).toEqual([5, 6, 7, 8]);
      expect(await store.listCourses(community.id, query('number', 10, 4))).toEqual({ items: [], total: 10 });
      expect(await store.listCourses(community.id, query('number', 50, 4))).toEqual({ items: [], total: 10 });
      expect((await store.listCourses(community.id, query('number', 8, 4))).items.map((c) => c.number)).toEqual([9, 10]);
    });

    it('given ties, when sorted top or new, then more ratings then number; newer then higher number', async () => {
      const { store, community } = get();
      await catalog();
      const top = (await store.listCourses(community.id, query('top', 0, 100))).items;
      // Weighted rating with prior 3 (weight 2): two fives beat one five, and so on; unrated last.
      expect(top.map((c) => c.number)).toEqual([1, 2, 3, 4, 5, 6, 8, 7, 9, 10]);
      const newest = (await store.listCourses(community.id, query('new', 0, 100))).items;
      const expected = [...newest].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.number - a.number);
      expect(newest.map((c) => c.number)).toEqual(expected.map((c) => c.number));
      for (const sort of sorts) {
        expect((await store.listCourses(community.id, query(sort, 0, 100))).items.map((c) => c.id), sort).toEqual(
          (await store.listCourses(community.id, query(sort, 0, 100))).items.map((c) => c.id),
        );
      }
    });

    it('given snapshots taken at the same instant, when listed, then the one saved last comes first', async () => {
      const { store, community } = get();
      const takenAt = new Date('2026-06-01T00:00:00Z');
      const base = { communityId: community.id, takenAt, satisfaction: 4, coverage: 0.5, memberCount: 2, courseCount: 1 };
      for (const score of [1, 2, 3]) await store.saveScoreSnapshot({ ...base, score });
      expect((await store.listScoreSnapshots(community.id, 10)).map((s) => s.score)).toEqual([3, 2, 1]);
      expect((await store.listScoreSnapshots(community.id, 2)).map((s) => s.score)).toEqual([3, 2]);
    });
  });

  describe('installations are unique like the other keys', () => {
    it('given one workspace id saved twice on Slack and once on Discord, then one installation per platform', async () => {
      const { store } = get();
      await store.saveInstallation(installation('W1', [1]));
      await store.saveInstallation(installation('W1', [2]));
      await store.saveInstallation({ ...installation('W1', [3]), platform: 'discord' });
      expect([...(await store.findInstallation({ platform: 'slack', externalId: 'W1' }))!.sealed]).toEqual([2]);
      expect([...(await store.findInstallation({ platform: 'discord', externalId: 'W1' }))!.sealed]).toEqual([3]);
      expect(await store.deleteInstallation({ platform: 'slack', externalId: 'W1' })).toBe(true);
      expect(await store.deleteInstallation({ platform: 'slack', externalId: 'W1' })).toBe(false);
      expect(await store.findInstallation({ platform: 'discord', externalId: 'W1' })).not.toBeNull();
    });
  });
}

function installation(externalId: string, sealed: number[]): Installation {
  return {
    platform: 'slack',
    externalId,
    sealed: Uint8Array.from(sealed),
    name: `Workspace ${externalId}`,
    botUserId: null,
    scopes: ['commands'],
    installedAt: new Date('2026-03-01T12:00:00.000Z'),
  };
}
