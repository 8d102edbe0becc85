import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Course } from '../../src/domain/model.ts';
import { CatalogCache } from '../../src/infra/catalog/catalog-cache.ts';
import type { CatalogEntry, CatalogSnapshot } from '../../src/infra/catalog/catalog-snapshot.ts';
import { VersionedCatalog, type CatalogChange, type VersionSource } from '../../src/infra/catalog/versioned-catalog.ts';
import { aCourse } from '../support/course.ts';

/**
 * The version policy of the MongoDB store's in-memory catalogs, without a server: a fake store
 * (courses and a version token per community, every read and write step delivered in an order
 * fast-check's scheduler picks) shared by two catalogs, as two processes would share a database.
 * Every read must return the catalog as it stood at some moment between its call and its answer.
 */

const COMMUNITIES = ['c0', 'c1'];

const course = (communityId: string, number: number, title: string): Course => aCourse({ id: `${communityId}-${number}`, communityId, number, title }, { createdAt: new Date(1_000 * number) });

const entry = (c: Course): CatalogEntry => ({ course: { ...c, tags: [...c.tags] }, search: c.title.toLowerCase() });

/** What a read shows of a catalog: every course, archived too, in number order. */
const view = (courses: Iterable<Course>) =>
  JSON.stringify([...courses].sort((a, b) => a.number - b.number).map((c) => [c.number, c.title, c.ratingCount, c.ratingSum, c.archived]));
const shown = (snapshot: CatalogSnapshot) => view(snapshot.page({ sort: 'number', offset: 0, limit: 1_000, includeArchived: true })!.items);

/** The shared store: courses and a version token per community, and the history of each catalog. */
class FakeStore {
  clock = 0;
  private tokens = 0;
  readonly versions = new Map<string, string>(COMMUNITIES.map((c) => [c, '']));
  readonly courses = new Map<string, Map<number, Course>>(COMMUNITIES.map((c) => [c, new Map([[1, course(c, 1, 'Rust')]])]));
  /** Per community, each catalog it had and the clock at which it began. */
  readonly history = new Map<string, { at: number; view: string }[]>(COMMUNITIES.map((c) => [c, [{ at: 0, view: view(this.courses.get(c)!.values()) }]]));
  loads = 0;

  /** One step of a write: a course changes (the catalog's history grows). */
  changeCourse(communityId: string, number: number, change: (c: Course) => Course): Course {
    const courses = this.courses.get(communityId)!;
    const next = change(courses.get(number) ?? course(communityId, number, 'New'));
    courses.set(number, next);
    this.history.get(communityId)!.push({ at: ++this.clock, view: view(courses.values()) });
    return next;
  }

  /** Where the last course change stands in the community's history. */
  lastChange(communityId: string): number {
    return this.history.get(communityId)!.length - 1;
  }

  /** One step of a write: the version token is replaced; returns the one it replaced. */
  replaceVersion(communityId: string): { before: string; after: string } {
    const before = this.versions.get(communityId)!;
    const after = `v${++this.tokens}`;
    this.versions.set(communityId, after);
    this.clock++;
    return { before, after };
  }

  /** Per community, when each write's course change entered the history and when the write returned. */
  readonly writes = new Map<string, { change: number; returned: number }[]>(COMMUNITIES.map((c) => [c, []]));

  /** Notes a write that returned, whose course change is the history's entry `change`. */
  returned(communityId: string, change: number): void {
    this.writes.get(communityId)!.push({ change, returned: ++this.clock });
  }

  /**
   * The views a read that ran from `start` to `end` may return: a catalog that was, with every
   * write that returned before the read began (a write still running may be in it or not).
   */
  viewsBetween(communityId: string, start: number, end: number): string[] {
    const history = this.history.get(communityId)!;
    let first = 0;
    for (const w of this.writes.get(communityId)!) if (w.returned <= start) first = Math.max(first, w.change);
    return history.slice(first).filter((h) => h.at <= end).map((h) => h.view);
  }

  source(step: () => Promise<void>): VersionSource {
    return {
      version: async (communityId) => {
        await step();
        this.clock++;
        return this.versions.get(communityId) ?? null;
      },
      load: async (communityId) => {
        await step();
        this.clock++;
        this.loads++;
        return [...this.courses.get(communityId)!.values()].map(entry);
      },
    };
  }
}

type Op = { kind: 'read'; by: 0 | 1; community: number } | { kind: 'write'; by: 0 | 1; community: number; course: number; stars: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('read' as const), by: fc.constantFrom<0 | 1>(0, 1), community: fc.nat(1) }),
  fc.record({ kind: fc.constant('read' as const), by: fc.constantFrom<0 | 1>(0, 1), community: fc.nat(1) }),
  fc.record({ kind: fc.constant('write' as const), by: fc.constantFrom<0 | 1>(0, 1), community: fc.nat(1), course: fc.integer({ min: 1, max: 3 }), stars: fc.integer({ min: 1, max: 5 }) }),
);

/**
 * Runs the operations concurrently, each starting at a moment the scheduler picks. A write is
 * what the store does: with transactions, the course change and the version change in one step
 * (so it can vouch for the course it returns); without, the course change first and the
 * version change after it. Returns the reads that saw a catalog they must not.
 */
async function run(s: fc.Scheduler, ops: Op[], transactions: boolean, cacheBytes: number): Promise<{ failures: string[]; reads: number; loads: number }> {
  const store = new FakeStore();
  const step = () => s.schedule(Promise.resolve());
  const catalogs = [new VersionedCatalog(new CatalogCache(cacheBytes), store.source(step)), new VersionedCatalog(new CatalogCache(cacheBytes), store.source(step))];
  const failures: string[] = [];
  let reads = 0;
  const rate = (stars: number) => (c: Course): Course => ({ ...c, ratingCount: c.ratingCount + 1, ratingSum: c.ratingSum + stars, title: `${c.title.slice(0, 8)}${stars}` });
  const perform = async (o: Op) => {
    await step();
    const communityId = COMMUNITIES[o.community]!;
    const catalog = catalogs[o.by]!;
    if (o.kind === 'read') {
      const start = store.clock;
      const snapshot = await catalog.snapshot(communityId);
      const seen = shown(snapshot!);
      const allowed = store.viewsBetween(communityId, start, store.clock);
      reads++;
      if (!allowed.includes(seen)) failures.push(`${JSON.stringify(o)} saw ${seen}, allowed ${JSON.stringify(allowed)}`);
      return;
    }
    let change: CatalogChange;
    await step();
    const changed = store.changeCourse(communityId, o.course, rate(o.stars));
    const at = store.lastChange(communityId);
    if (transactions) {
      change = { communityId, ...store.replaceVersion(communityId), courses: [entry(changed)] };
    } else {
      await step();
      change = { communityId, ...store.replaceVersion(communityId), courses: null };
    }
    store.returned(communityId, at);
    catalog.applied(change);
  };
  await s.waitFor(Promise.all(ops.map(perform)));
  return { failures, reads, loads: store.loads };
}

describe('catalogs checked against a per-community version (MongoDB store)', () => {
  it('given reads and writes of two processes in any order, when read, then no read is stale', async () => {
    let reads = 0;
    let loads = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 1, maxLength: 30 }), fc.boolean(), async (s, ops, transactions) => {
        const outcome = await run(s, ops, transactions, 64 * 2 ** 20);
        reads += outcome.reads;
        loads += outcome.loads;
        expect(outcome.failures).toEqual([]);
      }),
      { numRuns: 300 },
    );
    expect(reads).toBeGreaterThan(1_000);
    // And the catalogs were served from memory, not loaded for every read.
    expect(loads).toBeLessThan(reads);
  });

  it('given one hot course, when two processes read and write it in any order, then no read is stale', async () => {
    const hot: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('read' as const), by: fc.constantFrom<0 | 1>(0, 1), community: fc.constant(0) }),
      fc.record({ kind: fc.constant('write' as const), by: fc.constantFrom<0 | 1>(0, 1), community: fc.constant(0), course: fc.constant(1), stars: fc.integer({ min: 1, max: 5 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(hot, { minLength: 2, maxLength: 12 }), fc.boolean(), async (s, ops, transactions) => {
        expect((await run(s, ops, transactions, 64 * 2 ** 20)).failures).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });

  it('given a bound below one catalog, when read under writes in any order, then no read is stale', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(op, { minLength: 1, maxLength: 20 }), fc.boolean(), async (s, ops, transactions) => {
        expect((await run(s, ops, transactions, 200)).failures).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });

  describe('one process', () => {
    const setup = () => {
      const store = new FakeStore();
      const catalog = new VersionedCatalog(new CatalogCache(), store.source(() => Promise.resolve()));
      return { store, catalog };
    };

    it('given a read catalog and an unchanged version, when read again, then the rows are not loaded', async () => {
      const { store, catalog } = setup();
      const first = await catalog.snapshot('c0');
      expect(await catalog.snapshot('c0')).toBe(first);
      expect(store.loads).toBe(1);
    });

    it('given concurrent reads of one version, when they miss, then the rows are loaded once', async () => {
      const { store, catalog } = setup();
      const [a, b, c] = await Promise.all([catalog.snapshot('c0'), catalog.snapshot('c0'), catalog.snapshot('c0')]);
      expect(a).toBe(b);
      expect(b).toBe(c);
      expect(store.loads).toBe(1);
    });

    it('given a transaction of this process, when applied, then the snapshot advances without a load', async () => {
      const { store, catalog } = setup();
      await catalog.snapshot('c0');
      const changed = store.changeCourse('c0', 1, (c) => ({ ...c, ratingCount: 1, ratingSum: 5 }));
      catalog.applied({ communityId: 'c0', ...store.replaceVersion('c0'), courses: [entry(changed)] });
      expect((await catalog.snapshot('c0'))!.activeRatingTotals()).toEqual({ ratingCount: 1, ratingSum: 5 });
      expect(store.loads).toBe(1);
    });

    it('given a write that cannot vouch for its courses, when applied, then the next read loads', async () => {
      const { store, catalog } = setup();
      await catalog.snapshot('c0');
      store.changeCourse('c0', 1, (c) => ({ ...c, ratingCount: 1, ratingSum: 5 }));
      catalog.applied({ communityId: 'c0', ...store.replaceVersion('c0'), courses: null });
      expect(catalog.cache.stats().communities).toBe(0);
      expect((await catalog.snapshot('c0'))!.activeRatingTotals()).toEqual({ ratingCount: 1, ratingSum: 5 });
      expect(store.loads).toBe(2);
    });

    it('given a transaction that followed another process write, when applied, then it is not trusted', async () => {
      const { store, catalog } = setup();
      await catalog.snapshot('c0');
      // Another process's write lands first; this process's transaction then replaces its version.
      store.changeCourse('c0', 2, (c) => ({ ...c, title: 'Go' }));
      store.replaceVersion('c0');
      const mine = store.changeCourse('c0', 1, (c) => ({ ...c, ratingCount: 1, ratingSum: 4 }));
      catalog.applied({ communityId: 'c0', ...store.replaceVersion('c0'), courses: [entry(mine)] });
      expect((await catalog.snapshot('c0'))!.getByNumber(2)?.title).toBe('Go');
      expect(store.loads).toBe(2);
    });

    it('given a version put back by a restored backup, when read, then the rows are loaded again', async () => {
      const { store, catalog } = setup();
      store.replaceVersion('c0');
      await catalog.snapshot('c0');
      // The backup holds an older token and other rows: tokens are never compared for order.
      store.changeCourse('c0', 1, (c) => ({ ...c, title: 'Restored' }));
      store.versions.set('c0', 'v0-from-backup');
      expect((await catalog.snapshot('c0'))!.getByNumber(1)?.title).toBe('Restored');
    });

    it('given a community that was deleted, when read, then there is no snapshot and none is kept', async () => {
      const { store, catalog } = setup();
      await catalog.snapshot('c0');
      store.versions.delete('c0');
      expect(await catalog.snapshot('c0')).toBeUndefined();
      expect(catalog.cache.stats().communities).toBe(0);
    });
  });
});
