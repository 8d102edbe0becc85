import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store/index.ts';
import { TRANSFER_KINDS, type StoreTransfer } from '../../src/ports/store/transfer.ts';
import { verifyCopy } from '../../src/operations/verify.ts';

export interface TransferEnd {
  store: Store;
  transfer: StoreTransfer;
}

export interface TransferPair {
  source: TransferEnd;
  target: TransferEnd;
  dispose(): Promise<void>;
}

/**
 * What every store's transfer port must do, written once: SQLite to SQLite here, and SQLite to
 * MongoDB and back where a MongoDB server is available (test/contract/mongo-store.test.ts).
 */
export function describeTransferContract(name: string, open: () => Promise<TransferPair>): void {
  describe(`Transfer contract: ${name}`, () => {
    let pair: TransferPair;
    afterEach(async () => {
      await pair?.dispose();
    });

    async function populate(store: Store): Promise<void> {
      for (const [i, ref] of [
        { platform: 'discord', externalId: '1234567890' },
        { platform: 'slack', externalId: 'T1' },
      ].entries() as IterableIterator<[number, { platform: 'discord' | 'slack'; externalId: string }]>) {
        const c = await store.upsertCommunity(ref, `Community ${i}`);
        await store.updateCommunitySettings(c.id, { locale: 'zh-CN', digest: { channelId: 'C1', schedule: '0 9 * * 1', timezone: 'Asia/Shanghai' } });
        const members = [];
        for (let m = 0; m < 7; m++) members.push(await store.upsertMember(c.id, `u${m}`, `User ${m} 名`));
        await store.setRemindersEnabled(c.id, members[2]!.id, false);
        const courses = [];
        for (let n = 0; n < 5; n++) {
          courses.push(
            await store.createCourse(c.id, {
              title: `Kurs ${n} ${i}`,
              description: n % 2 ? 'desc' : '',
              url: n === 1 ? 'https://example.com/x' : null,
              tags: n % 2 ? ['a', 'b'] : [],
              value: n + 0.5,
              startsAt: n === 2 ? new Date(Date.UTC(2030, 1, 2, 3, 4)) : null,
            }),
          );
        }
        for (const [m, member] of members.entries()) {
          for (const [n, course] of courses.entries()) {
            if ((m + n) % 3 === 0) continue;
            await store.enroll(c.id, member.id, course.id, new Date(1_700_000_000_000 + m * 1000 + n));
            if ((m * n) % 4 !== 1) await store.rate(c.id, member.id, course.id, ((m + n + i) % 5) + 1, m % 2 ? `review ${m}` : null, new Date(1_700_000_100_000 + m));
          }
        }
        await store.cohorts.setCourseAccess(c.id, courses[1]!.id, { roleId: `role-${i}`, channelId: `chan-${i}`, channelLeave: true, requiredRoleId: null });
        await store.cohorts.setCourseAccess(c.id, courses[2]!.id, { requiredRoleId: 'members' });
        await store.cohorts.setGrant(c.id, members[1]!.id, courses[1]!.id, `role-${i}`, 'granted', new Date(1_700_000_150_000));
        await store.cohorts.setGrant(c.id, members[3]!.id, courses[1]!.id, `role-${i}`, 'refused', new Date(1_700_000_160_000));
        await store.cohorts.setLapsed(c.id, members[3]!.id, courses[1]!.id, true, new Date(1_700_000_170_000));
        await store.cohorts.grantConsoleRole(c.id, 'u5', 'members');
        await store.cohorts.grantConsoleRole(c.id, 'not-yet-seen', 'members');
        await store.saveDailySnapshot({
          communityId: c.id,
          day: '2026-11-30',
          takenAt: new Date(1_700_000_180_000),
          score: 2.25,
          satisfaction: 3.5,
          coverage: 0.64,
          memberCount: 7,
          ratingCount: 20,
          enrollmentCount: 25,
          activeCourseCount: 5,
          courses: courses.map((course) => ({ courseId: course.id, number: course.number, title: course.title, value: course.value, enrolled: 3, ratings: 2, mean: 4, bayesian: 3.9 })),
        });
        await store.setCourseArchived(c.id, courses[4]!.id, true);
        await store.saveScoreSnapshot({ communityId: c.id, takenAt: new Date(1_700_000_200_000 + i), score: 2.5, satisfaction: 3.5, coverage: 0.7, memberCount: 7, courseCount: 4 });
      }
      await store.markCommunityRemoved({ platform: 'slack', externalId: 'T1' }, new Date(1_700_000_300_000));
      await store.saveInstallation({ platform: 'slack', externalId: 'T1', sealed: new Uint8Array([1, 2, 3, 4, 5]), name: 'Team', botUserId: 'UB', scopes: ['commands'], installedAt: new Date(1_700_000_400_000) });
    }

    async function copy(batchSize: number): Promise<void> {
      for (const kind of TRANSFER_KINDS) for await (const batch of pair.source.transfer.dump(kind, batchSize)) await pair.target.transfer.import(kind, batch);
    }

    it('given a populated store, when dumped and imported, then counts, scores, catalogs, settings match', async () => {
      pair = await open();
      await populate(pair.source.store);
      await copy(4);
      const result = await verifyCopy(pair.source, pair.target, { priorWeight: 5, merged: false });
      expect(result.differences).toEqual([]);
      expect(result.communities).toBe(2);
      expect(result.counts.find((c) => c.kind === 'ratings')!.target).toBeGreaterThan(20);
      const removed = await pair.target.store.findCommunity({ platform: 'slack', externalId: 'T1' });
      expect(removed?.removedAt).toEqual(new Date(1_700_000_300_000));
      const installation = await pair.target.store.findInstallation({ platform: 'slack', externalId: 'T1' });
      expect([...installation!.sealed]).toEqual([1, 2, 3, 4, 5]);
      const member = await pair.target.store.findMember(removed!.id, 'u2');
      expect(member).toMatchObject({ displayName: 'User 2 名', remindersEnabled: false });
      const data = await pair.target.store.memberData(removed!.id, member!.id);
      const original = await pair.source.store.memberData((await pair.source.store.findCommunity(removed!))!.id, (await pair.source.store.findMember((await pair.source.store.findCommunity(removed!))!.id, 'u2'))!.id);
      const plain = (d: typeof data) => ({
        enrollments: d.enrollments.map((e) => [e.course.number, e.enrolledAt.getTime()]),
        ratings: d.ratings.map((r) => [r.course.number, r.stars, r.review, r.updatedAt.getTime()]),
      });
      expect(plain(data)).toEqual(plain(original));
      // Cohorts: course access, grants and console roles, by natural keys.
      const course1 = (await pair.target.store.getCourseByNumber(removed!.id, 2))!;
      expect(await pair.target.store.cohorts.getCourseAccess(removed!.id, course1.id)).toMatchObject({ roleId: 'role-1', channelId: 'chan-1', channelLeave: true, requiredRoleId: null });
      const grants = await pair.target.store.cohorts.listGrants(removed!.id, course1.id);
      expect(grants.map((g) => [g.state, g.lapsed, g.roleId]).sort()).toEqual([
        ['granted', false, 'role-1'],
        ['refused', true, 'role-1'],
      ]);
      expect(await pair.target.store.cohorts.listConsoleRoles(removed!.id, 'not-yet-seen')).toEqual(['members']);
      // Daily history, its courses named by the target's own course ids.
      const [history] = await pair.target.store.listDailySnapshots(removed!.id, '2026-01-01');
      expect(history).toMatchObject({ day: '2026-11-30', score: 2.25, memberCount: 7, activeCourseCount: 5 });
      expect(history!.courses.find((c) => c.number === 2)?.courseId).toBe(course1.id);
    });

    it('given a copy already made, when imported again, then nothing is duplicated', async () => {
      pair = await open();
      await populate(pair.source.store);
      await copy(3);
      const counts = async () => Promise.all(TRANSFER_KINDS.map((k) => pair.target.transfer.count(k)));
      const once = await counts();
      await copy(1000);
      expect(await counts()).toEqual(once);
      expect((await verifyCopy(pair.source, pair.target, { priorWeight: 5, merged: false })).differences).toEqual([]);
    });

    it('given records whose parent is missing in the target, when imported, then they are left out', async () => {
      pair = await open();
      const orphan = { community: { platform: 'console' as const, externalId: 'nowhere' }, member: 'x', course: 1 };
      expect(await pair.target.transfer.import('members', [{ community: orphan.community, externalId: 'x', displayName: 'X', remindersEnabled: true, joinedAt: new Date() }])).toBe(0);
      expect(await pair.target.transfer.import('ratings', [{ ...orphan, stars: 3, review: null, updatedAt: new Date() }])).toBe(0);
      for (const kind of TRANSFER_KINDS) expect(await pair.target.transfer.count(kind)).toBe(0);
    });
  });
}
