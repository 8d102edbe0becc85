import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MongoStore } from '../../src/infra/mongo/mongo-store.ts';
import { describeStoreContract, type StoreHarness } from './store-contract.ts';
import { describeTransferContract } from './transfer-contract.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { describeCohortStoreContract } from './cohort-store-contract.ts';

/**
 * Every contract case for the MongoDB store, against the server at `uri()` (read when a test
 * opens its store): the store contract with and without transactions, the cohort contract,
 * `syllabot migrate` both ways, and the MongoDB specifics. Each test gets its own database,
 * dropped afterwards.
 */
export function describeMongoStoreSuites(uri: () => string): void {
  const open = (transactions: 'auto' | 'off') => async (): Promise<StoreHarness & { store: MongoStore }> => {
    const dbName = `syllabot_test_${randomBytes(6).toString('hex')}`;
    const store = await MongoStore.connect({ uri: uri(), dbName, serverSelectionTimeoutMS: 5_000, transactions });
    return {
      store,
      peerEnv: { PEER_STORE: 'mongo', PEER_MONGODB_URI: uri(), PEER_MONGODB_DB: dbName, PEER_TRANSACTIONS: transactions },
      async dispose() {
        await store.connection.dropDatabase();
        await store.close();
      },
    };
  };

  describeStoreContract('MongoDB (transactions where the server has them)', open('auto'));
  describeStoreContract('MongoDB (standalone write path)', open('off'));
  describeCohortStoreContract('MongoDB', open('auto'));

  // `syllabot migrate` in both directions: SQLite to MongoDB and MongoDB to SQLite.
  const pairWithMongo = (direction: 'to-mongo' | 'from-mongo') => async () => {
    const mongo = await open('auto')();
    const sqlite = SqliteStore.open({ path: ':memory:' });
    const ends = { mongo: { store: mongo.store, transfer: mongo.store.transfer('mongo') }, sqlite: { store: sqlite, transfer: sqlite.transfer() } };
    return {
      source: direction === 'to-mongo' ? ends.sqlite : ends.mongo,
      target: direction === 'to-mongo' ? ends.mongo : ends.sqlite,
      async dispose() {
        await sqlite.close();
        await mongo.dispose();
      },
    };
  };
  describeTransferContract('SQLite to MongoDB', pairWithMongo('to-mongo'));
  describeTransferContract('MongoDB to SQLite', pairWithMongo('from-mongo'));

  describe('MongoDB store specifics', () => {
    const withStore = async (work: (store: MongoStore) => Promise<void>) => {
      const harness = await open('auto')();
      try {
        await work(harness.store);
      } finally {
        await harness.dispose();
      }
    };
    const course = { title: 'Rust', description: '', url: null, tags: [], value: 1, startsAt: null };
    /** Rust with one enrollment and one 4★ rating, whose stored figures then drift: sum 99, 7 enrolled. */
    const givenDriftedAggregates = async (store: MongoStore) => {
      const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
      const m = await store.upsertMember(c.id, 'ana', 'Ana');
      const rust = await store.createCourse(c.id, course);
      await store.enroll(c.id, m.id, rust.id, new Date());
      await store.rate(c.id, m.id, rust.id, 4, null, new Date());
      await store.connection.collection('courses').updateMany({}, { $set: { ratingSum: 99, enrolledCount: 7 } });
      return { c, rust };
    };

    it('given a fresh database, when the store opens, then the SQLite unique keys exist as unique indexes', () =>
      withStore(async (store) => {
        const uniqueKeys = async (collection: string) =>
          (await store.connection.collection(collection).listIndexes().toArray()).filter((i) => i.unique && i.name !== '_id_').map((i) => Object.keys(i.key as object));
        expect(await uniqueKeys('communities')).toEqual([['platform', 'externalId']]);
        expect(await uniqueKeys('members')).toEqual([['communityId', 'externalId']]);
        expect(await uniqueKeys('courses')).toEqual([['communityId', 'number']]);
        expect(await uniqueKeys('enrollments')).toEqual([['communityId', 'memberId', 'courseId']]);
        expect(await uniqueKeys('ratings')).toEqual([['communityId', 'memberId', 'courseId']]);
      }));

    it('given aggregates that drifted from the rows, when recomputed, then they are repaired and reported', () =>
      withStore(async (store) => {
        const { c, rust } = await givenDriftedAggregates(store);
        expect(await store.recomputeAggregates(c.id)).toEqual([
          { courseId: rust.id, before: { ratingCount: 1, ratingSum: 99, enrolledCount: 7 }, after: { ratingCount: 1, ratingSum: 4, enrolledCount: 1 } },
        ]);
        expect(await store.getCourse(c.id, rust.id)).toMatchObject({ ratingSum: 4, enrolledCount: 1 });
      }));

    it('given drifted aggregates, when recounted, then repaired and the courses carry the counted figures', () =>
      withStore(async (store) => {
        const { c, rust } = await givenDriftedAggregates(store);
        const recount = (await store.recountCommunity(c.id))!;
        expect(recount.repairs).toEqual([{ courseId: rust.id, before: { ratingCount: 1, ratingSum: 99, enrolledCount: 7 }, after: { ratingCount: 1, ratingSum: 4, enrolledCount: 1 } }]);
        expect(recount.courses).toMatchObject([{ id: rust.id, ratingCount: 1, ratingSum: 4, enrolledCount: 1 }]);
      }));

    it('given a second rating for one member and course, when inserted directly, then the index refuses it', () =>
      withStore(async (store) => {
        const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
        const m = await store.upsertMember(c.id, 'ana', 'Ana');
        const rust = await store.createCourse(c.id, course);
        await store.rate(c.id, m.id, rust.id, 4, null, new Date());
        const existing = await store.connection.collection('ratings').findOne({});
        expect(existing).not.toBeNull();
        const { _id: _ignored, ...copy } = existing!;
        await expect(store.connection.collection('ratings').insertOne(copy)).rejects.toMatchObject({ code: 11000 });
      }));

    it('given a course counter behind (restored backup), when a course is created, then numbers go on', () =>
      withStore(async (store) => {
        const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
        await store.createCourse(c.id, course);
        await store.createCourse(c.id, course);
        await store.connection.collection('course_counters').deleteMany({});
        expect((await store.createCourse(c.id, course)).number).toBe(3);
      }));

    it('given stored text like an operator, when searched for, then it matches only as literal text', () =>
      withStore(async (store) => {
        const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
        await store.createCourse(c.id, { ...course, title: '{"$gt": ""} tricks' });
        await store.createCourse(c.id, { ...course, title: 'Plain' });
        const found = await store.listCourses(c.id, { text: '{"$gt": ""}', sort: 'number', offset: 0, limit: 10 });
        expect(found.items.map((x) => x.title)).toEqual(['{"$gt": ""} tricks']);
        expect((await store.findCoursesByTitlePrefix(c.id, '{"$gt"', 10)).map((x) => x.title)).toEqual(['{"$gt": ""} tricks']);
      }));
  });
}
