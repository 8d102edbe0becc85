import fc from 'fast-check';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MongoStore } from '../../src/infra/mongo/mongo-store.ts';
import type { CourseQuery } from '../../src/ports/store/index.ts';
import { catalogCourse, catalogOps, courseQueries, outcome, seedCatalogs, writeCatalogOp, type CatalogOp, type CatalogSpace, type Writer } from '../support/catalog-ops.ts';
import { startMingoMongo, type MingoMongo } from '../support/mingo-mongo.ts';

/**
 * The MongoDB store's in-memory catalogs, run for real (mongoose and the driver) against a
 * stand-in server that answers with mingo (test/support/mingo-mongo.ts), with and without
 * transactions: two cached stores on one database, as two processes would be, compared after
 * every step with a store that reads every catalog from the server; and what the store sends
 * (every catalog write replaces the community's version, after its course write and in the same
 * transaction; a cached read is one read of that version). The whole MongoDB contract, with its
 * two-process test, runs on the same stand-in in test/contract/mongo-stand-in.test.ts.
 */

type Doc = Record<string, unknown>;
const { ObjectId } = mongoose.Types;

const space: CatalogSpace = {
  writer: fc.constantFrom<Writer>('a', 'a', 'c'),
  communities: 2,
  members: 3,
  courses: 6,
  words: ['Rust', 'Go', 'rust basics', 'Ｇｏ deep', 'Zig', 'é'],
  tags: ['web', 'Ｗｅｂ'],
  query: courseQueries({ texts: ['rus', 'Go', '', 'ＲＵＳＴ', 'zzz'], mean: fc.constantFrom(0, 3, 4, 4.5), weights: [0, 1, 5], maxOffset: 4, oddOffsets: [-1], maxLimit: 5 }),
};

/** The catalog steps, and this store's own: erasing a member, and figures drifting behind its back. */
type Op = CatalogOp | { kind: 'erase'; by: Writer; community: number; member: number } | { kind: 'drift'; by: Writer; community: number; course: number; delta: number };

const steps = catalogOps(space);
const op: fc.Arbitrary<Op> = steps.op(
  { rate: 2 },
  fc.record({ kind: fc.constant('erase' as const), by: steps.writer, community: steps.community, member: steps.member }),
  fc.record({ kind: fc.constant('drift' as const), by: steps.writer, community: steps.community, course: steps.course, delta: fc.integer({ min: -2, max: 3 }) }),
);

let server: MingoMongo;
let replicaSet: MingoMongo;
beforeAll(async () => {
  [server, replicaSet] = await Promise.all([startMingoMongo(), startMingoMongo({ setName: 'rs0' })]);
});
afterAll(async () => {
  await Promise.all([server?.stop(), replicaSet?.stop()]);
});

let databases = 0;
const connect = (target: MingoMongo, dbName: string, catalogCacheBytes?: number) =>
  MongoStore.connect({ uri: target.uri, dbName, serverSelectionTimeoutMS: 2_000, ...(catalogCacheBytes === undefined ? {} : { catalogCacheBytes }) });

async function replay(target: MingoMongo, ops: Op[]): Promise<void> {
  const dbName = `catalog_${++databases}`;
  const stores = { a: await connect(target, dbName), c: await connect(target, dbName) };
  const plain = await connect(target, dbName, 0);
  try {
    const { communities, members } = await seedCatalogs(plain, space, ['Rust', 'Go']);
    for (const step of ops) {
      const store = stores[step.by];
      const cid = communities[step.community]!;
      const courseId = 'course' in step ? ((await plain.getCourseByNumber(cid, step.course))?.id ?? new ObjectId().toHexString()) : '';
      switch (step.kind) {
        case 'erase': {
          await store.eraseMember(cid, members[step.community]![step.member]!);
          // The member comes back, empty, as after using a command again.
          members[step.community]![step.member] = (await plain.upsertMember(cid, `m${step.member}`, `M${step.member}`)).id;
          break;
        }
        case 'drift': {
          // Figures changed behind the store's back, then the recompute repairs them.
          const doc = target.collection(dbName, 'courses').find((d) => String(d._id) === courseId);
          if (doc) doc.ratingSum = (doc.ratingSum as number) + step.delta;
          await store.recomputeAggregates(cid);
          break;
        }
        default:
          await writeCatalogOp(store, step, cid, courseId, members[step.community]!);
      }
      for (const by of ['a', 'c'] as const) {
        const reader = stores[by];
        const q: CourseQuery = step.kind === 'read' ? step.query : { sort: 'top', prior: { mean: 4, weight: 2 }, offset: 0, limit: 8, includeArchived: step.community === 1 };
        const reads: [string, (s: MongoStore) => Promise<unknown>][] = [
          ['listCourses', (s) => s.listCourses(cid, q)],
          ['listActiveCourses', (s) => s.listActiveCourses(cid)],
          ['activeRatingTotals', (s) => s.activeRatingTotals(cid)],
        ];
        for (const [name, read] of reads) {
          expect(await outcome(() => read(reader)), `${name} by ${by} after ${JSON.stringify(step)}`).toEqual(await outcome(() => read(plain)));
        }
      }
    }
    // The catalogs were served from memory, not read around.
    expect(stores.a.catalog!.cache.stats().communities).toBeGreaterThan(0);
  } finally {
    await Promise.all([stores.a.close(), stores.c.close(), plain.close()]);
  }
}

describe('in-memory course catalogs (MongoDB store, on a mingo stand-in server)', () => {
  it('given random writes by two stores with transactions, when read, then cached equals uncached', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), (ops) => replay(replicaSet, ops)),
      { numRuns: 12 },
    );
  }, 120_000);

  it('given random writes by two stores without transactions, when read, then cached equals uncached', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 30 }), (ops) => replay(server, ops)),
      { numRuns: 12 },
    );
  }, 120_000);
});

describe('what the MongoDB store sends for its catalogs', () => {
  /** The commands a call sends, hello and session clean-up left out. */
  const sent = async (target: MingoMongo, call: () => Promise<unknown>): Promise<Doc[]> => {
    const from = target.commands.length;
    await call();
    return target.commands.slice(from).filter((c) => !['hello', 'ismaster', 'isMaster', 'endSessions'].includes(Object.keys(c)[0]!));
  };
  const isVersionChange = (c: Doc) => c.findAndModify === 'communities' && (c.update as { $set?: Doc }).$set?.catalogVersion instanceof ObjectId;
  const writesTo = (c: Doc): string | null => {
    for (const name of ['insert', 'update', 'delete', 'findAndModify']) if (typeof c[name] === 'string') return c[name];
    return null;
  };

  const setup = async (target: MingoMongo) => {
    const store = await connect(target, `sent_${++databases}`);
    const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
    const ana = await store.upsertMember(c.id, 'ana', 'Ana');
    const rust = await store.createCourse(c.id, catalogCourse('Rust'));
    return { store, c, ana, rust };
  };

  it('given a replica set, when the catalog changes, then its version changes last in the same transaction', async () => {
    const { store, c, ana, rust } = await setup(replicaSet);
    try {
      await store.enroll(c.id, ana.id, rust.id, new Date());
      const writes: [string, () => Promise<unknown>][] = [
        ['createCourse', () => store.createCourse(c.id, catalogCourse('Go'))],
        ['updateCourse', () => store.updateCourse(c.id, rust.id, { value: 3 })],
        ['updateCourse (search text)', () => store.updateCourse(c.id, rust.id, { title: 'Rust 2' })],
        ['setCourseArchived', () => store.setCourseArchived(c.id, rust.id, false)],
        ['rate', () => store.rate(c.id, ana.id, rust.id, 5, null, new Date())],
        ['unenroll', () => store.unenroll(c.id, ana.id, rust.id)],
        ['enroll', () => store.enroll(c.id, ana.id, rust.id, new Date())],
        [
          'recomputeAggregates (a repair)',
          async () => {
            await store.connection.collection('courses').updateOne({ _id: new ObjectId(rust.id) }, { $set: { ratingSum: 99 } });
            return store.recomputeAggregates(c.id);
          },
        ],
        ['eraseMember', () => store.eraseMember(c.id, ana.id)],
      ];
      for (const [name, write] of writes) {
        const commands = (await sent(replicaSet, write)).filter((x) => x.autocommit === false || x.commitTransaction !== undefined);
        const inTransaction = commands.filter((x) => writesTo(x) !== null);
        expect(inTransaction.some((x) => writesTo(x) === 'courses'), name).toBe(true);
        expect(isVersionChange(inTransaction.at(-1)!), name).toBe(true);
        expect(new Set(commands.map((x) => String(x.txnNumber))).size, name).toBe(1);
        expect(commands.at(-1)?.commitTransaction, name).toBe(1);
      }
    } finally {
      await store.close();
    }
  });

  it('given no transactions, when the catalog changes, then its version changes after the course write', async () => {
    const { store, c, ana, rust } = await setup(server);
    try {
      const writes: [string, () => Promise<unknown>][] = [
        ['createCourse', () => store.createCourse(c.id, catalogCourse('Go'))],
        ['updateCourse', () => store.updateCourse(c.id, rust.id, { title: 'Rust 2' })],
        ['enroll', () => store.enroll(c.id, ana.id, rust.id, new Date())],
        ['rate', () => store.rate(c.id, ana.id, rust.id, 5, null, new Date())],
        ['unenroll', () => store.unenroll(c.id, ana.id, rust.id)],
        ['setCourseArchived', () => store.setCourseArchived(c.id, rust.id, true)],
      ];
      for (const [name, write] of writes) {
        const commands = (await sent(server, write)).filter((x) => writesTo(x) !== null);
        const course = commands.findLastIndex((x) => writesTo(x) === 'courses');
        const version = commands.findIndex(isVersionChange);
        expect(course, name).toBeGreaterThanOrEqual(0);
        expect(version, name).toBeGreaterThan(course);
      }
    } finally {
      await store.close();
    }
  });

  it('given a cached catalog, when read again, then one read of the version by _id is all that is sent', async () => {
    const { store, c } = await setup(replicaSet);
    try {
      await store.listActiveCourses(c.id);
      const commands = await sent(replicaSet, async () => {
        await store.listCourses(c.id, { sort: 'top', prior: { mean: 3, weight: 5 }, offset: 0, limit: 8 });
        await store.activeRatingTotals(c.id);
      });
      expect(commands.map((x) => [x.find, x.filter, x.projection])).toEqual([
        ['communities', { _id: new ObjectId(c.id) }, { _id: 0, catalogVersion: 1 }],
        ['communities', { _id: new ObjectId(c.id) }, { _id: 0, catalogVersion: 1 }],
      ]);
    } finally {
      await store.close();
    }
  });

  it('given a purged community, when its catalog is read, then nothing of it is served from memory', async () => {
    const { store, c } = await setup(replicaSet);
    const other = await connect(replicaSet, store.connection.name);
    try {
      expect(await other.listActiveCourses(c.id)).toHaveLength(1);
      await store.purgeCommunity(c.id);
      expect(await other.listActiveCourses(c.id)).toEqual([]);
      expect(await other.activeRatingTotals(c.id)).toEqual({ ratingCount: 0, ratingSum: 0 });
      expect(other.catalog!.cache.stats().communities).toBe(0);
    } finally {
      await Promise.all([store.close(), other.close()]);
    }
  });

  it('given a migrate importing courses, when a serving store reads, then it sees them', async () => {
    const { store, c } = await setup(replicaSet);
    const importer = await connect(replicaSet, store.connection.name);
    try {
      expect((await store.listActiveCourses(c.id)).map((x) => x.title)).toEqual(['Rust']);
      const record = { community: { platform: 'console' as const, externalId: 'x' }, number: 7, ...catalogCourse('Imported'), archived: false, createdAt: new Date(), ratingCount: 0, ratingSum: 0, enrolledCount: 0 };
      await importer.transfer('test').import('courses', [record]);
      expect((await store.listActiveCourses(c.id)).map((x) => x.title)).toEqual(['Rust', 'Imported']);
    } finally {
      await Promise.all([store.close(), importer.close()]);
    }
  });
});
