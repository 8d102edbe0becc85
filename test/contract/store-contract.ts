import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Installation, Store } from '../../src/ports/store/index.ts';
import type { Community, Member } from '../../src/domain/model.ts';
import { describeHistoryContract } from './history-contract.ts';
import { describeDeliveryContract } from './delivery-contract.ts';
import { describeStoreGuarantees } from './store-guarantees.ts';
import { describeCatalogFreshness } from './catalog-freshness-contract.ts';

export interface StoreHarness {
  store: Store;
  /** The environment with which test/contract/fixtures/store-peer.ts opens this same store in another process. */
  peerEnv: Record<string, string>;
  /** Closes the store and removes what the test created. */
  dispose(): Promise<void>;
}

/**
 * The behaviour every Store must have, written once. Each back end calls this with a factory
 * that opens a fresh, empty store; the MongoDB suite runs the same cases as SQLite.
 */
export function describeStoreContract(name: string, open: () => Promise<StoreHarness>): void {
  describeHistoryContract(name, open);
  describe(`Store contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: Store;
    let community: Community;
    let ana: Member;
    let bo: Member;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
      community = await store.upsertCommunity({ platform: 'console', externalId: 'local' }, 'Local');
      ana = await store.upsertMember(community.id, 'ana', 'Ana');
      bo = await store.upsertMember(community.id, 'bo', 'Bo');
    });
    afterEach(async () => {
      await harness.dispose();
    });

    const course = (title: string, extra: Partial<{ value: number; tags: string[]; description: string }> = {}) =>
      store.createCourse(community.id, {
        title,
        description: extra.description ?? '',
        url: null,
        tags: extra.tags ?? [],
        value: extra.value ?? 1,
        startsAt: null,
      });

    it('finds a community by its platform id and refreshes its name', async () => {
      const again = await store.upsertCommunity({ platform: 'console', externalId: 'local' }, 'Renamed');
      expect(again.id).toBe(community.id);
      expect(again.name).toBe('Renamed');
      expect((await store.findCommunity({ platform: 'console', externalId: 'local' }))?.name).toBe('Renamed');
      expect(await store.findCommunity({ platform: 'discord', externalId: 'local' })).toBeNull();
    });

    it('keeps community settings, merging patches and dropping cleared keys', async () => {
      await store.updateCommunitySettings(community.id, { locale: 'zh-CN' });
      const both = await store.updateCommunitySettings(community.id, { digest: { channelId: 'C1', schedule: '0 9 * * 1', timezone: 'UTC' } });
      expect(both.settings).toEqual({ locale: 'zh-CN', digest: { channelId: 'C1', schedule: '0 9 * * 1', timezone: 'UTC' } });
      const cleared = await store.updateCommunitySettings(community.id, { digest: undefined });
      expect(cleared.settings).toEqual({ locale: 'zh-CN' });
      expect((await store.getCommunity(community.id))?.settings).toEqual({ locale: 'zh-CN' });
    });

    it('registers a member once and keeps the display name current', async () => {
      const renamed = await store.upsertMember(community.id, 'ana', 'Ana B.');
      expect(renamed.id).toBe(ana.id);
      expect(renamed.displayName).toBe('Ana B.');
      expect(renamed.remindersEnabled).toBe(true);
      expect(await store.countMembers(community.id)).toBe(2);
      await store.setRemindersEnabled(community.id, ana.id, false);
      expect((await store.getMember(community.id, ana.id))?.remindersEnabled).toBe(false);
    });

    it('finds a member by their platform id, and no one the community has not seen', async () => {
      expect((await store.findMember(community.id, 'ana'))?.id).toBe(ana.id);
      expect(await store.findMember(community.id, 'nobody')).toBeNull();
    });

    it('numbers courses per community, from 1, without reuse', async () => {
      const other = await store.upsertCommunity({ platform: 'slack', externalId: 'T1' }, 'Other');
      const a = await course('Rust 101');
      const b = await course('Go 101');
      const c = await store.createCourse(other.id, { title: 'Elsewhere', description: '', url: null, tags: [], value: 1, startsAt: null });
      expect([a.number, b.number, c.number]).toEqual([1, 2, 1]);
      await store.setCourseArchived(community.id, b.id, true);
      expect((await course('Zig 101')).number).toBe(3);
    });

    it('allocates distinct numbers under concurrent creation', async () => {
      const created = await Promise.all(Array.from({ length: 20 }, (_, i) => course(`Course ${i}`)));
      expect(new Set(created.map((c) => c.number)).size).toBe(20);
      expect(Math.max(...created.map((c) => c.number))).toBe(20);
    });

    it('round-trips every course field and applies partial edits', async () => {
      const startsAt = new Date('2026-12-01T18:00:00Z');
      const created = await store.createCourse(community.id, {
        title: 'Async Rust',
        description: 'Futures and tokio',
        url: 'https://example.com/rust',
        tags: ['rust', 'async'],
        value: 2.5,
        startsAt,
      });
      expect(created).toMatchObject({ title: 'Async Rust', description: 'Futures and tokio', url: 'https://example.com/rust', tags: ['rust', 'async'], value: 2.5, archived: false, ratingCount: 0, ratingSum: 0, enrolledCount: 0 });
      expect(created.startsAt?.toISOString()).toBe(startsAt.toISOString());
      const edited = await store.updateCourse(community.id, created.id, { title: 'Async Rust II', startsAt: null });
      expect(edited).toMatchObject({ title: 'Async Rust II', description: 'Futures and tokio', value: 2.5, startsAt: null });
      expect((await store.getCourseByNumber(community.id, created.number))?.title).toBe('Async Rust II');
      expect((await store.getCourse(community.id, created.id))?.id).toBe(created.id);
    });

    it('finds courses by case-insensitive title prefix, skipping archived unless asked', async () => {
      const rust = await course('Rust 101');
      await course('Rust Async');
      await course('Go');
      const titles = async (prefix: string, archived?: boolean) => (await store.findCoursesByTitlePrefix(community.id, prefix, 10, archived)).map((c) => c.title);
      expect(await titles('rust')).toEqual(['Rust 101', 'Rust Async']);
      expect(await titles('RUST a')).toEqual(['Rust Async']);
      await store.setCourseArchived(community.id, rust.id, true);
      expect(await titles('rust')).toEqual(['Rust Async']);
      expect(await titles('rust', true)).toEqual(['Rust 101', 'Rust Async']);
      expect(await titles('%')).toEqual([]);
      expect(await titles('.*')).toEqual([]);
    });

    it('matches Chinese and full-width titles', async () => {
      await course('Rust 入门');
      await course('深入理解 Go');
      expect((await store.findCoursesByTitlePrefix(community.id, '深入', 10)).map((c) => c.title)).toEqual(['深入理解 Go']);
      expect((await store.findCoursesByTitlePrefix(community.id, 'ｒｕｓｔ', 10)).map((c) => c.title)).toEqual(['Rust 入门']);
    });

    it('lists and searches courses with paging and sorting', async () => {
      const a = await course('Rust 101', { tags: ['systems'] });
      const b = await course('Go 101', { description: 'Goroutines for systems people' });
      const c = await course('Zig');
      await store.enroll(community.id, ana.id, a.id, new Date());
      await store.enroll(community.id, ana.id, b.id, new Date());
      await store.enroll(community.id, bo.id, b.id, new Date());
      await store.rate(community.id, ana.id, a.id, 3, null, new Date());
      await store.rate(community.id, ana.id, b.id, 5, null, new Date());
      await store.rate(community.id, bo.id, b.id, 5, null, new Date());
      const page = await store.listCourses(community.id, { sort: 'number', offset: 0, limit: 2 });
      expect(page.total).toBe(3);
      expect(page.items.map((x) => x.number)).toEqual([a.number, b.number]);
      const top = await store.listCourses(community.id, { sort: 'top', prior: { mean: 13 / 3, weight: 5 }, offset: 0, limit: 10 });
      expect(top.items.map((x) => x.title)).toEqual(['Go 101', 'Rust 101', 'Zig']);
      const newest = await store.listCourses(community.id, { sort: 'new', offset: 0, limit: 10 });
      expect(newest.items[0]!.id).toBe(c.id);
      const found = await store.listCourses(community.id, { text: 'SYSTEMS', sort: 'number', offset: 0, limit: 10 });
      expect(found.items.map((x) => x.title)).toEqual(['Rust 101', 'Go 101']);
      const injection = await store.listCourses(community.id, { text: '{"$gt": ""}', sort: 'number', offset: 0, limit: 10 });
      expect(injection.total).toBe(0);
      await store.setCourseArchived(community.id, c.id, true);
      expect((await store.listCourses(community.id, { sort: 'number', offset: 0, limit: 10 })).total).toBe(2);
      expect((await store.listCourses(community.id, { sort: 'number', offset: 0, limit: 10, includeArchived: true })).total).toBe(3);
      expect((await store.listActiveCourses(community.id)).map((x) => x.id)).toEqual([a.id, b.id]);
      expect(await store.activeRatingTotals(community.id)).toEqual({ ratingCount: 3, ratingSum: 13 });
      await store.setCourseArchived(community.id, b.id, true);
      expect(await store.activeRatingTotals(community.id)).toEqual({ ratingCount: 1, ratingSum: 3 });
      const empty = await store.upsertCommunity({ platform: 'console', externalId: 'empty' }, 'Empty');
      expect(await store.activeRatingTotals(empty.id)).toEqual({ ratingCount: 0, ratingSum: 0 });
    });

    it('enrolls idempotently and keeps the enrolled count', async () => {
      const rust = await course('Rust');
      expect(await store.enroll(community.id, ana.id, rust.id, new Date())).toBe('enrolled');
      expect(await store.enroll(community.id, ana.id, rust.id, new Date())).toBe('already-enrolled');
      expect(await store.isEnrolled(community.id, ana.id, rust.id)).toBe(true);
      expect((await store.getCourse(community.id, rust.id))?.enrolledCount).toBe(1);
      expect(await store.listEnrolledMemberIds(community.id, rust.id)).toEqual([ana.id]);
      expect(await store.unenroll(community.id, ana.id, rust.id)).toBe('unenrolled');
      expect(await store.unenroll(community.id, ana.id, rust.id)).toBe('not-enrolled');
      expect((await store.getCourse(community.id, rust.id))?.enrolledCount).toBe(0);
    });

    it('given a rating by one member, when asked who rated, then only that member and course say yes', async () => {
      const rust = await course('Rust');
      const go = await course('Go');
      await store.enroll(community.id, ana.id, rust.id, new Date());
      expect(await store.hasRated(community.id, ana.id, rust.id)).toBe(false);
      await store.rate(community.id, ana.id, rust.id, 4, null, new Date());
      expect(await store.hasRated(community.id, ana.id, rust.id)).toBe(true);
      expect(await store.hasRated(community.id, bo.id, rust.id)).toBe(false);
      expect(await store.hasRated(community.id, ana.id, go.id)).toBe(false);
      expect(await store.hasRated(community.id, 'not-an-id', rust.id)).toBe(false);
    });

    it('given enrollments and a rating, when a context is read at once, then it equals the single reads', async () => {
      const rust = await course('Rust');
      const go = await course('Go');
      await store.enroll(community.id, ana.id, rust.id, new Date());
      await store.enroll(community.id, ana.id, go.id, new Date());
      await store.rate(community.id, ana.id, rust.id, 4, null, new Date());
      await store.setRemindersEnabled(community.id, bo.id, false);
      const other = await store.upsertCommunity({ platform: 'discord', externalId: 'G1' }, 'Other');
      const cases: [string, string, string][] = [
        [community.id, ana.id, rust.id],
        [community.id, ana.id, go.id],
        [community.id, bo.id, rust.id],
        [other.id, ana.id, rust.id],
        [community.id, 'not-an-id', rust.id],
        ['not-an-id', ana.id, go.id],
      ];
      for (const [c, m, k] of cases) {
        const single = {
          community: await store.getCommunity(c),
          member: await store.getMember(c, m),
          course: await store.getCourse(c, k),
          enrolled: await store.isEnrolled(c, m, k),
          rated: await store.hasRated(c, m, k),
        };
        expect(await store.enrollmentContext(c, m, k)).toEqual(single);
      }
      expect(await store.enrollmentContext(community.id, ana.id, rust.id)).toMatchObject({ member: { id: ana.id }, course: { id: rust.id }, enrolled: true, rated: true });
      expect(await store.enrollmentContext(community.id, bo.id, go.id)).toMatchObject({ member: { remindersEnabled: false }, enrolled: false, rated: false });
      expect(await store.enrollmentContext(other.id, ana.id, rust.id)).toMatchObject({ community: { id: other.id }, member: null, course: null });
    });

    it('lists enrollments with their dates, by course and by date, oldest first', async () => {
      const rust = await course('Rust');
      const go = await course('Go');
      const other = await store.upsertCommunity({ platform: 'slack', externalId: 'T9' }, 'Other');
      const elsewhere = await store.createCourse(other.id, { title: 'Elsewhere', description: '', url: null, tags: [], value: 1, startsAt: null });
      const cara = await store.upsertMember(other.id, 'cara', 'Cara');
      await store.enroll(community.id, bo.id, rust.id, new Date('2026-03-02T00:00:00Z'));
      await store.enroll(community.id, ana.id, rust.id, new Date('2026-03-01T00:00:00Z'));
      await store.enroll(community.id, ana.id, go.id, new Date('2026-03-03T00:00:00Z'));
      await store.enroll(other.id, cara.id, elsewhere.id, new Date('2026-03-02T00:00:00Z'));

      const all = await store.listEnrollments(community.id, {});
      expect(all.map((e) => [e.memberId, e.courseId])).toEqual([
        [ana.id, rust.id],
        [bo.id, rust.id],
        [ana.id, go.id],
      ]);
      expect(all[0]).toEqual({ communityId: community.id, memberId: ana.id, courseId: rust.id, enrolledAt: new Date('2026-03-01T00:00:00Z') });
      expect((await store.listEnrollments(community.id, { courseId: rust.id })).map((e) => e.memberId)).toEqual([ana.id, bo.id]);
      const since = await store.listEnrollments(community.id, { enrolledSince: new Date('2026-03-02T00:00:00Z') });
      expect(since.map((e) => e.courseId)).toEqual([rust.id, go.id]);
      expect(await store.listEnrollments(community.id, { courseId: go.id, enrolledSince: new Date('2026-03-04T00:00:00Z') })).toEqual([]);
      await store.unenroll(community.id, bo.id, rust.id);
      expect((await store.listEnrollments(community.id, { courseId: rust.id })).map((e) => e.memberId)).toEqual([ana.id]);
    });

    it('survives concurrent enrollment of the same member', async () => {
      const rust = await course('Rust');
      const outcomes = await Promise.all(Array.from({ length: 10 }, () => store.enroll(community.id, ana.id, rust.id, new Date())));
      expect(outcomes.filter((o) => o === 'enrolled')).toHaveLength(1);
      expect((await store.getCourse(community.id, rust.id))?.enrolledCount).toBe(1);
    });

    it('replaces a rating and keeps aggregates and the histogram exact', async () => {
      const rust = await course('Rust');
      await store.enroll(community.id, ana.id, rust.id, new Date());
      await store.enroll(community.id, bo.id, rust.id, new Date());
      expect((await store.rate(community.id, ana.id, rust.id, 4, 'good', new Date())).previous).toBeNull();
      const second = await store.rate(community.id, ana.id, rust.id, 2, null, new Date());
      expect(second.previous).toBe(4);
      const third = await store.rate(community.id, bo.id, rust.id, 5, null, new Date());
      expect(third.course).toMatchObject({ ratingCount: 2, ratingSum: 7 });
      expect(await store.starHistogram(community.id, rust.id)).toEqual([0, 1, 0, 0, 1]);
      const mine = await store.listMemberCourses(community.id, ana.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.rating).toMatchObject({ stars: 2, review: null });
      expect(mine[0]!.course.id).toBe(rust.id);
    });

    it('recomputes aggregates from the rows and reports drift it repaired', async () => {
      const rust = await course('Rust');
      await store.enroll(community.id, ana.id, rust.id, new Date());
      await store.rate(community.id, ana.id, rust.id, 4, null, new Date());
      expect(await store.recomputeAggregates(community.id)).toEqual([]);
    });

    it('given ratings, an archived course and snapshots, when recounted, then what a recompute needs', async () => {
      const rust = await course('Rust', { value: 2 });
      const go = await course('Go');
      await store.enroll(community.id, ana.id, rust.id, new Date());
      await store.rate(community.id, ana.id, rust.id, 4, null, new Date());
      await store.enroll(community.id, bo.id, go.id, new Date());
      await store.setCourseArchived(community.id, go.id, true);
      const base = { communityId: community.id, satisfaction: 4, coverage: 0.5, memberCount: 2, courseCount: 1 };
      await store.saveScoreSnapshot({ ...base, takenAt: new Date('2026-01-01T00:00:00Z'), score: 1 });
      await store.saveScoreSnapshot({ ...base, takenAt: new Date('2026-01-02T00:00:00Z'), score: 2 });
      const recount = (await store.recountCommunity(community.id))!;
      expect(recount).toMatchObject({ community: { id: community.id, name: 'Local' }, repairs: [], memberCount: 2, latest: { score: 2 } });
      const figures = recount.courses.map(({ id, number, title, value, ratingCount, ratingSum, enrolledCount }) => ({ id, number, title, value, ratingCount, ratingSum, enrolledCount }));
      expect(figures).toEqual([{ id: rust.id, number: rust.number, title: 'Rust', value: 2, ratingCount: 1, ratingSum: 4, enrolledCount: 1 }]);
      expect(await store.recountCommunity('999999999')).toBeNull();
    });

    it('stores score snapshots newest first', async () => {
      const base = { communityId: community.id, satisfaction: 4, coverage: 0.5, memberCount: 2, courseCount: 1 };
      await store.saveScoreSnapshot({ ...base, takenAt: new Date('2026-01-01T00:00:00Z'), score: 1 });
      await store.saveScoreSnapshot({ ...base, takenAt: new Date('2026-01-02T00:00:00Z'), score: 2 });
      const snapshots = await store.listScoreSnapshots(community.id, 5);
      expect(snapshots.map((s) => s.score)).toEqual([2, 1]);
      expect(snapshots[0]!.takenAt.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    });

    it('never shows one community the rows of another', async () => {
      const other = await store.upsertCommunity({ platform: 'discord', externalId: 'G1' }, 'Other');
      // Same platform member id in both communities: two different members.
      const anaThere = await store.upsertMember(other.id, 'ana', 'Ana');
      expect(anaThere.id).not.toBe(ana.id);
      const mine = await course('Rust');
      await store.enroll(community.id, ana.id, mine.id, new Date());
      await store.rate(community.id, ana.id, mine.id, 5, null, new Date());
      expect(await store.getCourseByNumber(other.id, mine.number)).toBeNull();
      expect(await store.getCourse(other.id, mine.id)).toBeNull();
      expect(await store.findCoursesByTitlePrefix(other.id, 'Rust', 10)).toEqual([]);
      expect((await store.listCourses(other.id, { sort: 'number', offset: 0, limit: 10 })).total).toBe(0);
      expect(await store.listMemberCourses(other.id, anaThere.id)).toEqual([]);
      expect(await store.countMembers(other.id)).toBe(1);
      expect(await store.listScoreSnapshots(other.id, 5)).toEqual([]);
    });

    describeDeliveryContract(() => store);
    describeStoreGuarantees(() => ({ store, community, ana, bo }));
    describeCatalogFreshness(() => harness);

    describe('installations', () => {
      const installation = (externalId: string, sealed: number[], extra: Partial<Installation> = {}): Installation => ({
        platform: 'slack',
        externalId,
        sealed: Uint8Array.from(sealed),
        name: `Workspace ${externalId}`,
        botUserId: `UB${externalId}`,
        scopes: ['commands', 'chat:write'],
        installedAt: new Date('2026-03-01T12:00:00.000Z'),
        ...extra,
      });
      const plain = (i: Installation | null) => (i ? { ...i, sealed: [...i.sealed] } : null);

      it('given a saved installation, when found by platform and id, then every field round-trips exactly', async () => {
        // Bytes a text column would mangle: zero, high bytes, an invalid UTF-8 sequence.
        const saved = installation('T1', [1, 0, 255, 0xc3, 0x28, 7, 128]);
        await store.saveInstallation(saved);
        expect(plain(await store.findInstallation({ platform: 'slack', externalId: 'T1' }))).toEqual(plain(saved));
        expect(await store.findInstallation({ platform: 'slack', externalId: 'T2' })).toBeNull();
        expect(await store.findInstallation({ platform: 'discord', externalId: 'T1' })).toBeNull();
      });

      it('given a reinstall, when it is saved, then it replaces the old one (one row per workspace)', async () => {
        await store.saveInstallation(installation('T1', [1, 2, 3]));
        const again = installation('T1', [9, 9], { name: 'Renamed', botUserId: null, scopes: ['commands'], installedAt: new Date('2026-04-01T00:00:00.000Z') });
        await store.saveInstallation(again);
        expect(plain(await store.findInstallation({ platform: 'slack', externalId: 'T1' }))).toEqual(plain(again));
      });

      it('given two workspaces, when one is deleted, then only it goes; a 2nd delete reports nothing', async () => {
        const workspace = await store.upsertCommunity({ platform: 'slack', externalId: 'T1' }, 'Workspace T1');
        await store.saveInstallation(installation('T1', [1]));
        await store.saveInstallation(installation('T2', [2]));
        expect(await store.deleteInstallation({ platform: 'slack', externalId: 'T1' })).toBe(true);
        expect(await store.deleteInstallation({ platform: 'slack', externalId: 'T1' })).toBe(false);
        expect(await store.findInstallation({ platform: 'slack', externalId: 'T1' })).toBeNull();
        expect([...(await store.findInstallation({ platform: 'slack', externalId: 'T2' }))!.sealed]).toEqual([2]);
        expect((await store.findCommunity({ platform: 'slack', externalId: 'T1' }))?.id).toBe(workspace.id);
      });
    });

    it('given a member\'s enrollments and ratings, when read and erased, then all goes, aggregates follow', async () => {
      const rust = await course('Rust');
      const go = await course('Go');
      await store.enroll(community.id, ana.id, rust.id, new Date(1_000));
      await store.enroll(community.id, ana.id, go.id, new Date(2_000));
      await store.rate(community.id, ana.id, rust.id, 4, 'good', new Date(3_000));
      await store.rate(community.id, ana.id, go.id, 2, null, new Date(4_000));
      await store.unenroll(community.id, ana.id, go.id);
      await store.enroll(community.id, bo.id, rust.id, new Date(5_000));
      await store.rate(community.id, bo.id, rust.id, 5, null, new Date(6_000));
      const data = await store.memberData(community.id, ana.id);
      expect(data.member.externalId).toBe('ana');
      expect(data.enrollments.map((e) => [e.course.number, e.enrolledAt.getTime()])).toEqual([[rust.number, 1_000]]);
      expect(data.ratings.map((r) => [r.course.number, r.stars, r.review])).toEqual([
        [rust.number, 4, 'good'],
        [go.number, 2, null],
      ]);
      const erased = await store.eraseMember(community.id, ana.id);
      expect({ ...erased, enrolledCourses: erased.enrolledCourses.map((c) => c.number) }).toEqual({ enrollments: 1, ratings: 2, reviews: 1, enrolledCourses: [rust.number] });
      expect(await store.findMember(community.id, 'ana')).toBeNull();
      expect(await store.countMembers(community.id)).toBe(1);
      expect(await store.getCourse(community.id, rust.id)).toMatchObject({ ratingCount: 1, ratingSum: 5, enrolledCount: 1 });
      expect(await store.getCourse(community.id, go.id)).toMatchObject({ ratingCount: 0, ratingSum: 0, enrolledCount: 0 });
      expect(await store.recomputeAggregates(community.id)).toEqual([]);
      expect((await store.memberData(community.id, bo.id)).ratings).toHaveLength(1);
    });

    it('finds members by platform id or display name, ignoring case, only in their community', async () => {
      const other = await store.upsertCommunity({ platform: 'console', externalId: 'other' }, 'Other');
      await store.upsertMember(other.id, 'ana', 'Ana');
      await store.upsertMember(community.id, 'ana2', 'ANA');
      expect((await store.findMembersByName(community.id, 'ana', 5)).map((m) => m.externalId)).toEqual(['ana', 'ana2']);
      expect((await store.findMembersByName(community.id, 'bo', 5)).map((m) => m.id)).toEqual([bo.id]);
      expect(await store.findMembersByName(community.id, 'nobody', 5)).toEqual([]);
      expect(await store.findMembersByName(community.id, '.*', 5)).toEqual([]);
    });

    it('given a community the bot left, when listed after the grace period and purged, then only it is gone', async () => {
      const rust = await course('Rust');
      await store.enroll(community.id, ana.id, rust.id, new Date());
      await store.rate(community.id, ana.id, rust.id, 4, null, new Date());
      await store.saveScoreSnapshot({ communityId: community.id, takenAt: new Date(1_000), score: 1, satisfaction: 4, coverage: 0.25, memberCount: 2, courseCount: 1 });
      const other = await store.upsertCommunity({ platform: 'console', externalId: 'other' }, 'Other');
      const stays = await store.upsertMember(other.id, 'ana', 'Ana');
      expect(await store.markCommunityRemoved({ platform: 'console', externalId: 'local' }, new Date(10_000))).toBe(true);
      expect(await store.markCommunityRemoved({ platform: 'console', externalId: 'missing' }, new Date(10_000))).toBe(false);
      expect((await store.findCommunity({ platform: 'console', externalId: 'local' }))?.removedAt).toEqual(new Date(10_000));
      expect(await store.listCommunitiesRemovedBefore(new Date(9_999))).toEqual([]);
      expect((await store.listCommunitiesRemovedBefore(new Date(10_000))).map((c) => c.id)).toEqual([community.id]);
      // A reinstall within the grace period ends it.
      await store.markCommunityRemoved({ platform: 'console', externalId: 'local' }, null);
      expect((await store.findCommunity({ platform: 'console', externalId: 'local' }))?.removedAt).toBeUndefined();
      expect(await store.listCommunitiesRemovedBefore(new Date(20_000))).toEqual([]);
      const purged = await store.purgeCommunity(community.id);
      expect(purged).toEqual({ members: 2, courses: 1, enrollments: 1, ratings: 1, snapshots: 1 });
      expect(await store.findCommunity({ platform: 'console', externalId: 'local' })).toBeNull();
      expect(await store.getMember(other.id, stays.id)).not.toBeNull();
      // The platform id can come back as a new, empty community.
      const again = await store.upsertCommunity({ platform: 'console', externalId: 'local' }, 'Local');
      expect(await store.countMembers(again.id)).toBe(0);
      expect((await store.createCourse(again.id, { title: 'Fresh', description: '', url: null, tags: [], value: 1, startsAt: null })).number).toBe(1);
    });
  });
}
