import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Community, Course, Member } from '../../src/domain/model.ts';
import type { Store } from '../../src/ports/store/index.ts';
import { spawnStorePeer, type StorePeer } from './store-peer.ts';

/**
 * Part of the store contract: stores keep course catalogs in memory (SQLite: SqliteCatalog;
 * MongoDB: a per-community version), and two processes on one store must never read a catalog
 * the other has changed. `peerEnv` tells test/contract/fixtures/store-peer.ts how to open the
 * same store in a second process.
 */
export function describeCatalogFreshness(current: () => { store: Store; peerEnv: Record<string, string> }): void {
  describe('two processes on one store', () => {
    let store: Store;
    let peer: StorePeer;
    let community: Community;
    let ana: Member;
    let bo: Member;
    const fields = (title: string) => ({ title, description: `About ${title}`, url: null, tags: ['t'], value: 1, startsAt: null });
    const active = async () => (await store.listActiveCourses(community.id)).map((c) => [c.number, c.title, c.ratingCount, c.ratingSum, c.enrolledCount]);
    const top = () => store.listCourses(community.id, { sort: 'top', prior: { mean: 3, weight: 5 }, offset: 0, limit: 10 });

    beforeEach(async () => {
      store = current().store;
      peer = await spawnStorePeer(current().peerEnv);
      community = await store.upsertCommunity({ platform: 'console', externalId: 'fresh' }, 'Fresh');
      ana = await store.upsertMember(community.id, 'ana', 'Ana');
      bo = await store.upsertMember(community.id, 'bo', 'Bo');
    }, 60_000);
    afterEach(async () => {
      await peer.stop();
    });

    it('given this process read the catalog, when another writes to it, then the next read shows every write', async () => {
      const rust = await store.createCourse(community.id, fields('Rust'));
      const go = await store.createCourse(community.id, fields('Go'));
      await store.enroll(community.id, ana.id, rust.id, new Date());
      // Read everything once, so whatever can be remembered is.
      expect(await active()).toEqual([
        [1, 'Rust', 0, 0, 1],
        [2, 'Go', 0, 0, 0],
      ]);
      expect((await top()).items.map((c) => c.number)).toEqual([1, 2]);
      expect(await store.getCourseByNumber(community.id, 1)).toMatchObject({ ratingCount: 0 });

      await peer.call('rate', community.id, ana.id, rust.id, 5, null, new Date());
      expect(await store.getCourseByNumber(community.id, 1)).toMatchObject({ ratingCount: 1, ratingSum: 5 });
      expect(await store.activeRatingTotals(community.id)).toEqual({ ratingCount: 1, ratingSum: 5 });

      await peer.call('enroll', community.id, bo.id, go.id, new Date());
      await peer.call('rate', community.id, bo.id, go.id, 2, null, new Date());
      expect(await active()).toEqual([
        [1, 'Rust', 1, 5, 1],
        [2, 'Go', 1, 2, 1],
      ]);

      const zig = await peer.call<Course>('createCourse', community.id, fields('Zig'));
      expect((await top()).items.map((c) => c.title)).toEqual(['Rust', 'Go', 'Zig']);
      expect(await store.getCourse(community.id, zig.id)).toMatchObject({ number: 3, title: 'Zig' });

      await peer.call('updateCourse', community.id, go.id, { title: 'Go, in depth' });
      expect((await store.listCourses(community.id, { text: 'in depth', sort: 'number', offset: 0, limit: 10 })).items.map((c) => c.number)).toEqual([2]);

      await peer.call('setCourseArchived', community.id, rust.id, true);
      expect((await active()).map(([n]) => n)).toEqual([2, 3]);
      expect(await store.activeRatingTotals(community.id)).toEqual({ ratingCount: 1, ratingSum: 2 });
      expect((await store.getCourse(community.id, rust.id))?.archived).toBe(true);

      await peer.call('unenroll', community.id, bo.id, go.id);
      expect(await store.getCourseByNumber(community.id, 2)).toMatchObject({ enrolledCount: 0 });
    });

    it('given the other process read the catalog, when this one writes, then the other reads the write', async () => {
      const rust = await store.createCourse(community.id, fields('Rust'));
      await store.enroll(community.id, ana.id, rust.id, new Date());
      expect(await peer.call('activeRatingTotals', community.id)).toEqual({ ratingCount: 0, ratingSum: 0 });
      await store.rate(community.id, ana.id, rust.id, 4, null, new Date());
      expect(await peer.call('activeRatingTotals', community.id)).toEqual({ ratingCount: 1, ratingSum: 4 });
      await store.rate(community.id, ana.id, rust.id, 1, null, new Date());
      expect(await peer.call<{ ratingSum: number }>('getCourse', community.id, rust.id)).toMatchObject({ ratingCount: 1, ratingSum: 1 });
      await store.setCourseArchived(community.id, rust.id, true);
      expect(await peer.call('listActiveCourses', community.id)).toEqual([]);
    });
  });
}
