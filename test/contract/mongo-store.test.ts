import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { DryMongoBinary, MongoMemoryReplSet } from 'mongodb-memory-server';
import { MongoStore } from '../../src/infra/mongo/mongo-store.ts';
import { describeMongoUri } from '../../src/infra/mongo/connection.ts';
import { describeStoreContract, type StoreHarness } from './store-contract.ts';
import { describeTransferContract } from './transfer-contract.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { describeCohortStoreContract } from './cohort-store-contract.ts';

/**
 * The store contract against a real MongoDB: the server in MONGODB_URI when set, else a
 * single-node replica set from mongodb-memory-server (a replica set, so the transaction path
 * runs; the standalone path runs too, with transactions switched off).
 *
 * mongodb-memory-server downloads a mongod binary on first use. Where that cannot work (no
 * cached binary and the download host unreachable, as on machines without internet), the
 * suite is registered as skipped and the reason printed, in a few seconds rather than after
 * the downloader's retries.
 */

interface MongoTarget {
  uri: string;
  source: string;
  stop(): Promise<void>;
}

const DOWNLOAD_PROBE_MS = 3_000;
const START_WITH_DOWNLOAD_MS = 180_000;
const START_CACHED_MS = 60_000;

const target = await findMongo();

if (typeof target === 'string') {
  console.warn(`MongoDB store contract skipped: ${target}`);
  describe.skip(`Store contract: MongoDB (skipped: ${target})`, () => {
    it('runs only where a MongoDB server is available', () => undefined);
  });
} else {
  afterAll(() => target.stop());
  console.info(`MongoDB store contract running against ${target.source} (${describeMongoUri(target.uri)})`);

  const open = (transactions: 'auto' | 'off') => async (): Promise<StoreHarness & { store: MongoStore }> => {
    const dbName = `syllabot_test_${randomBytes(6).toString('hex')}`;
    const store = await MongoStore.connect({ uri: target.uri, dbName, serverSelectionTimeoutMS: 5_000, transactions });
    return {
      store,
      peerEnv: { PEER_STORE: 'mongo', PEER_MONGODB_URI: target.uri, PEER_MONGODB_DB: dbName, PEER_TRANSACTIONS: transactions },
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

    it('given a fresh database, when the store opens, then the unique keys of the SQLite schema exist as unique indexes', () =>
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
        const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
        const m = await store.upsertMember(c.id, 'ana', 'Ana');
        const rust = await store.createCourse(c.id, course);
        await store.enroll(c.id, m.id, rust.id, new Date());
        await store.rate(c.id, m.id, rust.id, 4, null, new Date());
        await store.connection.collection('courses').updateMany({}, { $set: { ratingSum: 99, enrolledCount: 7 } });
        expect(await store.recomputeAggregates(c.id)).toEqual([
          { courseId: rust.id, before: { ratingCount: 1, ratingSum: 99, enrolledCount: 7 }, after: { ratingCount: 1, ratingSum: 4, enrolledCount: 1 } },
        ]);
        expect(await store.getCourse(c.id, rust.id)).toMatchObject({ ratingSum: 4, enrolledCount: 1 });
      }));

    it('given a second rating document for the same member and course, when inserted directly, then the index refuses it', () =>
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

    it('given a course counter behind the courses (restored backup), when a course is created, then numbering continues past the highest', () =>
      withStore(async (store) => {
        const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
        await store.createCourse(c.id, course);
        await store.createCourse(c.id, course);
        await store.connection.collection('course_counters').deleteMany({});
        expect((await store.createCourse(c.id, course)).number).toBe(3);
      }));

    it('given stored user text that looks like an operator, when searched for, then it matches only as literal text', () =>
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

/** A usable MongoDB, or the reason there is none. */
async function findMongo(): Promise<MongoTarget | string> {
  const fromEnv = process.env.MONGODB_URI;
  if (fromEnv) return { uri: fromEnv, source: 'MONGODB_URI', stop: async () => undefined };

  const cached = await cachedBinary();
  if (!cached) {
    const unreachable = await downloadUnreachable();
    if (unreachable) {
      return `no MONGODB_URI, no cached mongod binary for mongodb-memory-server, and its download host is unreachable (${unreachable}); set MONGODB_URI to a MongoDB to run it`;
    }
  }
  // One retry at most: the default backs off for several seconds between attempts.
  process.env.MONGOMS_MAX_RETRIES ??= '1';
  const limit = cached ? START_CACHED_MS : START_WITH_DOWNLOAD_MS;
  let timer: NodeJS.Timeout | undefined;
  try {
    const replSet = await Promise.race([
      MongoMemoryReplSet.create({ replSet: { count: 1 } }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`mongodb-memory-server did not start within ${limit / 1000} s`)), limit);
      }),
    ]);
    return { uri: replSet.getUri(), source: 'mongodb-memory-server (1-node replica set)', stop: () => replSet.stop({ doCleanup: true }).then(() => undefined) };
  } catch (error) {
    return `mongodb-memory-server could not start a server: ${firstLine(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

async function cachedBinary(): Promise<string | undefined> {
  if (process.env.MONGOMS_SYSTEM_BINARY && existsSync(process.env.MONGOMS_SYSTEM_BINARY)) return process.env.MONGOMS_SYSTEM_BINARY;
  try {
    return await DryMongoBinary.locateBinary(await DryMongoBinary.generateOptions());
  } catch {
    return undefined;
  }
}

/**
 * Whether the host mongodb-memory-server downloads from answers a TCP connection: null when it
 * does (or a proxy is configured, which the downloader uses and this probe cannot), else why not.
 */
async function downloadUnreachable(): Promise<string | null> {
  if (process.env.HTTPS_PROXY || process.env.https_proxy || process.env.HTTP_PROXY || process.env.http_proxy) return null;
  let url: URL;
  try {
    url = new URL(process.env.MONGOMS_DOWNLOAD_URL ?? process.env.MONGOMS_DOWNLOAD_MIRROR ?? 'https://fastdl.mongodb.org');
  } catch {
    return null;
  }
  const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname, port, timeout: DOWNLOAD_PROBE_MS });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.once('connect', () => done(null));
    socket.once('timeout', () => done(`${url.hostname}:${port}: no answer within ${DOWNLOAD_PROBE_MS / 1000} s`));
    socket.once('error', (error: NodeJS.ErrnoException) => done(`${url.hostname}:${port}: ${error.code ?? error.message}`));
  });
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}
