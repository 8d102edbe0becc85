import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import type { CourseQuery } from '../../src/ports/store/index.ts';
import { catalogOps, courseQueries, outcome, seedCatalogs, writeCatalogOp, type CatalogOp, type CatalogSpace, type Writer } from '../support/catalog-ops.ts';

/**
 * The in-memory catalogs against the rows: two cached stores on one file (two connections, as
 * two processes would be) and an uncached one as the reference, under random interleaved
 * writes through either store, through SQL behind the stores' backs, and reads of every kind.
 */

const WORDS = ['Rust', 'Go', 'rust basics', 'Ｇｏ deep', 'Zig', 'C++', 'é'];
const space: CatalogSpace = {
  /** Mostly one connection, so its snapshots live long enough between the other's commits to go stale. */
  writer: fc.constantFrom<Writer>('a', 'a', 'a', 'c'),
  communities: 2,
  members: 4,
  courses: 8,
  words: WORDS,
  tags: ['web', 'sys', 'Ｗｅｂ'],
  query: courseQueries({
    texts: [...WORDS.map((w) => w.slice(0, 3)), '', 'ＲＵＳＴ', 'zzz'],
    // Whole and half means tie many weighted ratings, so the tie-breaks are exercised.
    mean: fc.oneof(fc.constantFrom(0, 2.5, 3, 4, 5), fc.double({ min: 0, max: 5, noNaN: true })),
    weights: [0, 0, 1, 2, 5],
    maxOffset: 6,
    oddOffsets: [-1, 1.5],
    maxLimit: 6,
  }),
};

/** The catalog steps, and this store's own: a recompute, and SQL behind the stores' backs. */
type Op = CatalogOp | { kind: 'recompute'; by: Writer; community: number } | { kind: 'sql'; by: Writer; community: number; course: number; delta: number };

const steps = catalogOps(space);
const op: fc.Arbitrary<Op> = steps.op(
  { read: 2 },
  fc.record({ kind: fc.constant('recompute' as const), by: steps.writer, community: steps.community }),
  fc.record({ kind: fc.constant('sql' as const), by: steps.writer, community: steps.community, course: steps.course, delta: fc.integer({ min: -2, max: 3 }) }),
);

async function replay(ops: Op[], cacheBytes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'syllabot-catalog-'));
  const path = join(dir, 'store.sqlite');
  const stores = { a: SqliteStore.open({ path, catalogCacheBytes: cacheBytes }), c: SqliteStore.open({ path, catalogCacheBytes: cacheBytes }) };
  const plain = SqliteStore.open({ path, catalogCacheBytes: 0 });
  try {
    const { communities, members, courses } = await seedCatalogs(plain, space, ['Rust', 'Go', 'Zig']);
    for (let i = 0; i < space.communities; i++) {
      const [c, made] = [communities[i]!, courses[i]!];
      // A tie at the mean 4 the reads use: #1 with one 4★, #2 with two; more ratings must rank first.
      await plain.rate(c, members[i]![0]!, made[0]!, 4, null, new Date());
      await plain.rate(c, members[i]![0]!, made[1]!, 4, null, new Date());
      await plain.rate(c, members[i]![1]!, made[1]!, 4, null, new Date());
    }
    for (const step of ops) {
      const store = stores[step.by];
      const cid = communities[step.community]!;
      const courseId = 'course' in step ? ((await plain.getCourseByNumber(cid, step.course))?.id ?? '999999') : '';
      switch (step.kind) {
        case 'recompute':
          await store.recomputeAggregates(cid);
          break;
        case 'sql':
          // Behind the store's back, on the same connection: drift the recompute job would repair.
          store.database.prepare('UPDATE courses SET rating_sum = rating_sum + ?, rating_count = rating_count + 1 WHERE community_id = ? AND id = ?').run(step.delta, Number(cid), Number(courseId));
          break;
        default:
          await writeCatalogOp(store, step, cid, courseId, members[step.community]!);
      }
      // After every step, a read of every kind by both cached stores (and the step's own query).
      for (const by of ['a', 'c'] as const) {
        const reader = stores[by];
        const q: CourseQuery = step.kind === 'read' ? step.query : { sort: 'top', prior: { mean: 4, weight: step.community === 1 ? 0 : 2 }, offset: 0, limit: 8, includeArchived: step.community === 1 };
        const number = 'course' in step ? step.course : 1;
        const reads: [string, () => Promise<unknown>][] = [
          ['listCourses', () => reader.listCourses(cid, q)],
          ['listActiveCourses', () => reader.listActiveCourses(cid)],
          ['activeRatingTotals', () => reader.activeRatingTotals(cid)],
          ['getCourseByNumber', () => reader.getCourseByNumber(cid, number)],
          ['getCourse', () => reader.getCourse(cid, courseId)],
        ];
        const reference: (() => Promise<unknown>)[] = [
          () => plain.listCourses(cid, q),
          () => plain.listActiveCourses(cid),
          () => plain.activeRatingTotals(cid),
          () => plain.getCourseByNumber(cid, number),
          () => plain.getCourse(cid, courseId),
        ];
        for (const [i, [name, read]] of reads.entries()) {
          expect(await outcome(read), `${name} by ${by} after ${JSON.stringify(step)}`).toEqual(await outcome(reference[i]!));
        }
      }
    }
  } finally {
    await stores.a.close();
    await stores.c.close();
    await plain.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('in-memory course catalogs (SQLite)', () => {
  it('given random writes by two connections, when read, then cached equals uncached', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 60 }), (ops) => replay(ops, 64 * 2 ** 20)),
      { numRuns: 60 },
    );
  });

  it('given a memory bound below one catalog, when read under writes, then cached equals uncached', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 40 }), (ops) => replay(ops, 3_000)),
      { numRuns: 25 },
    );
  });

  it('given many communities and a small bound, when every catalog is read, then it stays bounded', async () => {
    const store = SqliteStore.open({ path: ':memory:', catalogCacheBytes: 20_000 });
    try {
      for (let i = 0; i < 40; i++) {
        const c = await store.upsertCommunity({ platform: 'console', externalId: `c${i}` }, `C${i}`);
        for (const title of ['Rust', 'Go', 'Zig']) await store.createCourse(c.id, { title, description: 'x'.repeat(200), url: null, tags: [], value: 1, startsAt: null });
        expect((await store.listActiveCourses(c.id)).length).toBe(3);
      }
      const { bytes, communities } = store.catalog!.cache.stats();
      expect(bytes).toBeLessThanOrEqual(20_000);
      expect(communities).toBeGreaterThan(0);
      expect(communities).toBeLessThan(40);
    } finally {
      await store.close();
    }
  });

  it('given a cached catalog, when a caller tries to change a course it was handed, then it cannot', async () => {
    const store = SqliteStore.open({ path: ':memory:' });
    try {
      const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
      await store.createCourse(c.id, { title: 'Rust', description: '', url: null, tags: ['a'], value: 1, startsAt: null });
      const [course] = await store.listActiveCourses(c.id);
      expect(() => {
        (course as { title: string }).title = 'changed';
      }).toThrow(TypeError);
      expect(() => course!.tags.push('b')).toThrow(TypeError);
      expect((await store.listActiveCourses(c.id))[0]).toMatchObject({ title: 'Rust', tags: ['a'] });
    } finally {
      await store.close();
    }
  });
});
