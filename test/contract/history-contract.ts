import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store/index.ts';
import type { Community, Member } from '../../src/domain/model.ts';
import { buildDailySnapshot, type DailySnapshot } from '../../src/domain/history.ts';
import type { StoreHarness } from './store-contract.ts';

/**
 * The history part of the store contract (issue 16): one snapshot per community and day, even
 * when processes race; pruning by age; export rows paged without skips or repeats; isolation.
 */
export function describeHistoryContract(name: string, open: () => Promise<StoreHarness>): void {
  describe(`Store contract, history: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    let community: Community;
    let other: Community;
    let members: Member[];

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
      community = await store.upsertCommunity({ platform: 'console', externalId: 'local' }, 'Local');
      other = await store.upsertCommunity({ platform: 'console', externalId: 'other' }, 'Other');
      members = [];
      for (const name of ['ana', 'bo', 'cy']) members.push(await store.upsertMember(community.id, name, name.toUpperCase()));
    });
    afterEach(async () => {
      await harness.dispose();
    });

    const snapshot = async (communityId: string, day: string, takenAt = new Date(`${day}T12:00:00Z`)): Promise<DailySnapshot> =>
      buildDailySnapshot({ communityId, day, takenAt, memberCount: await store.countMembers(communityId), courses: await store.listActiveCourses(communityId), priorWeight: 5 });

    it('given a day already saved, when saved again (even concurrently), then one write wins, the first stays', async () => {
      const course = await store.createCourse(community.id, { title: 'Rust', description: '', url: null, tags: [], value: 2, startsAt: null });
      await store.enroll(community.id, members[0]!.id, course.id, new Date('2026-01-01T00:00:00Z'));
      await store.rate(community.id, members[0]!.id, course.id, 4, null, new Date('2026-01-01T00:00:00Z'));
      const first = await snapshot(community.id, '2026-01-02');
      const results = await Promise.all([store.saveDailySnapshot(first), ...Array.from({ length: 4 }, () => store.saveDailySnapshot({ ...first, score: 99 }))]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const [saved] = await store.listDailySnapshots(community.id, '2026-01-01');
      expect(saved?.score).not.toBe(99);
      expect(saved).toMatchObject({ day: '2026-01-02', memberCount: 3, ratingCount: 1, enrollmentCount: 1, activeCourseCount: 1 });
      expect(saved?.courses).toEqual([{ courseId: course.id, number: 1, title: 'Rust', value: 2, enrolled: 1, ratings: 1, mean: 4, bayesian: 4 }]);
    });

    it('given a page of recompute writes, when saved again, then each day once and every score sent', async () => {
      const score = (communityId: string, value: number, at: string) => ({ communityId, takenAt: new Date(at), score: value, satisfaction: 4, coverage: 0.5, memberCount: 3, courseCount: 1 });
      const first = await store.saveRecomputes([
        { score: score(community.id, 1, '2026-01-02T12:00:00Z'), daily: await snapshot(community.id, '2026-01-02') },
        { score: null, daily: await snapshot(other.id, '2026-01-02') },
      ]);
      expect(first).toEqual([{ ok: true, dailySaved: true }, { ok: true, dailySaved: true }]);
      // A retried page, or another process's run the same day: the day key refuses the second snapshot.
      const again = await store.saveRecomputes([
        { score: score(community.id, 2, '2026-01-02T13:00:00Z'), daily: { ...(await snapshot(community.id, '2026-01-02')), score: 99 } },
        { score: null, daily: null },
      ]);
      expect(again).toEqual([{ ok: true, dailySaved: false }, { ok: true, dailySaved: false }]);
      expect((await store.listScoreSnapshots(community.id, 5)).map((s) => s.score)).toEqual([2, 1]);
      expect(await store.listScoreSnapshots(other.id, 5)).toEqual([]);
      expect((await store.listDailySnapshots(community.id, '2026-01-01')).map((s) => [s.day, s.score])).toEqual([['2026-01-02', 0]]);
      expect((await store.listDailySnapshots(other.id, '2026-01-01')).map((s) => s.day)).toEqual(['2026-01-02']);
    });

    it('given several days and communities, when listed from a day, then only that community, that day on, oldest first', async () => {
      for (const day of ['2026-01-03', '2026-01-01', '2026-01-02']) await store.saveDailySnapshot(await snapshot(community.id, day));
      await store.saveDailySnapshot(await snapshot(other.id, '2026-01-02'));
      expect((await store.listDailySnapshots(community.id, '2026-01-02')).map((s) => s.day)).toEqual(['2026-01-02', '2026-01-03']);
      expect((await store.listDailySnapshots(other.id, '2000-01-01')).map((s) => s.communityId)).toEqual([other.id]);
      expect(await store.listDailySnapshots('not-an-id', '2000-01-01')).toEqual([]);
    });

    it('given old and new snapshots, when pruned before a date, then only older ones go, in every community', async () => {
      await store.saveDailySnapshot(await snapshot(community.id, '2025-01-01'));
      await store.saveDailySnapshot(await snapshot(other.id, '2025-01-02'));
      await store.saveDailySnapshot(await snapshot(community.id, '2026-01-01'));
      expect(await store.pruneDailySnapshots(new Date('2025-06-01T00:00:00Z'))).toBe(2);
      expect((await store.listDailySnapshots(community.id, '2000-01-01')).map((s) => s.day)).toEqual(['2026-01-01']);
      expect(await store.listDailySnapshots(other.id, '2000-01-01')).toEqual([]);
    });

    it('given enrollments and ratings, when paged 2 at a time, then each row comes once with member and course', async () => {
      const courses = [];
      for (const title of ['Rust', 'Go']) courses.push(await store.createCourse(community.id, { title, description: '', url: null, tags: [], value: 1, startsAt: null }));
      const elsewhere = await store.createCourse(other.id, { title: 'Secret', description: '', url: null, tags: [], value: 1, startsAt: null });
      const stranger = await store.upsertMember(other.id, 'zed', 'Zed');
      await store.enroll(other.id, stranger.id, elsewhere.id, new Date());
      await store.rate(other.id, stranger.id, elsewhere.id, 1, 'other community', new Date());
      let t = Date.parse('2026-02-01T00:00:00Z');
      for (const member of members) {
        for (const course of courses) {
          await store.enroll(community.id, member.id, course.id, new Date((t += 1000)));
          await store.rate(community.id, member.id, course.id, 3, member.externalId === 'ana' ? `review by ${member.displayName}` : null, new Date((t += 1000)));
        }
      }
      const all = async <T>(read: (after: string | undefined) => Promise<{ rows: T[]; next?: string }>): Promise<T[]> => {
        const out: T[] = [];
        let after: string | undefined;
        do {
          const page = await read(after);
          out.push(...page.rows);
          after = page.next;
        } while (after);
        return out;
      };
      const enrollments = await all((after) => store.listEnrollmentRows(community.id, after, 2));
      const ratings = await all((after) => store.listRatingRows(community.id, after, 2));
      expect(enrollments).toHaveLength(6);
      expect(ratings).toHaveLength(6);
      expect(new Set(enrollments.map((r) => `${r.memberExternalId}/${r.courseNumber}`)).size).toBe(6);
      expect(new Set(ratings.map((r) => `${r.memberExternalId}/${r.courseTitle}`)).size).toBe(6);
      expect(ratings.find((r) => r.memberExternalId === 'ana' && r.courseTitle === 'Go')).toMatchObject({ memberName: 'ANA', courseNumber: 2, stars: 3, review: 'review by ANA' });
      expect(enrollments.every((r) => r.at instanceof Date)).toBe(true);
      expect([...enrollments, ...ratings].some((r) => r.courseTitle === 'Secret')).toBe(false);
      const reviews = await store.listRecentReviews(community.id, 10);
      expect(reviews.map((r) => r.courseTitle)).toEqual(['Go', 'Rust']);
    });
  });
}
