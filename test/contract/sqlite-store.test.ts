import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { MIGRATIONS } from '../../src/infra/sqlite/migrations.ts';
import { buildDailySnapshot } from '../../src/domain/history.ts';
import { describeStoreContract } from './store-contract.ts';
import { describeTransferContract } from './transfer-contract.ts';
import { describeCohortStoreContract } from './cohort-store-contract.ts';

const openSqlite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'syllabot-sqlite-'));
  const path = join(dir, 'nested', 'test.sqlite');
  const store = SqliteStore.open({ path });
  return {
    store,
    peerEnv: { PEER_STORE: 'sqlite', PEER_SQLITE_PATH: path },
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
describeStoreContract('SQLite (file)', openSqlite);
describeCohortStoreContract('SQLite (file)', openSqlite);

describeTransferContract('SQLite to SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'syllabot-transfer-'));
  const [source, target] = [SqliteStore.open({ path: join(dir, 'a.sqlite') }), SqliteStore.open({ path: join(dir, 'b.sqlite') })];
  return {
    source: { store: source, transfer: source.transfer() },
    target: { store: target, transfer: target.transfer() },
    async dispose() {
      await source.close();
      await target.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SQLite store specifics', () => {
  /** A store with Rust, one enrollment and one 4★ rating, whose stored figures then drift: sum 99, 7 enrolled. */
  const givenDriftedAggregates = async () => {
    const store = SqliteStore.open({ path: ':memory:' });
    const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
    const m = await store.upsertMember(c.id, 'ana', 'Ana');
    const course = await store.createCourse(c.id, { title: 'Rust', description: '', url: null, tags: [], value: 1, startsAt: null });
    await store.enroll(c.id, m.id, course.id, new Date());
    await store.rate(c.id, m.id, course.id, 4, null, new Date());
    store.database.prepare('UPDATE courses SET rating_sum = 99, enrolled_count = 7').run();
    return { store, c, course };
  };

  it('creates folders, uses WAL and migrates an existing file once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'syllabot-sqlite-'));
    const path = join(dir, 'a', 'b', 'store.sqlite');
    const first = SqliteStore.open({ path });
    expect(first.database.pragma('journal_mode', { simple: true })).toBe('wal');
    const community = await first.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
    await first.close();
    const second = SqliteStore.open({ path });
    expect((await second.findCommunity({ platform: 'console', externalId: 'x' }))?.id).toBe(community.id);
    expect(second.database.prepare('SELECT count(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
    await second.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('repairs aggregates that drifted from the rows', async () => {
    const { store, c, course } = await givenDriftedAggregates();
    const repairs = await store.recomputeAggregates(c.id);
    expect(repairs).toEqual([{ courseId: course.id, before: { ratingCount: 1, ratingSum: 99, enrolledCount: 7 }, after: { ratingCount: 1, ratingSum: 4, enrolledCount: 1 } }]);
    expect(await store.getCourse(c.id, course.id)).toMatchObject({ ratingSum: 4, enrolledCount: 1 });
    await store.close();
  });

  it('given drifted aggregates, when recounted, then repaired and the courses carry the counted figures', async () => {
    const { store, c, course } = await givenDriftedAggregates();
    const recount = (await store.recountCommunity(c.id))!;
    expect(recount.repairs).toEqual([{ courseId: course.id, before: { ratingCount: 1, ratingSum: 99, enrolledCount: 7 }, after: { ratingCount: 1, ratingSum: 4, enrolledCount: 1 } }]);
    expect(recount.courses).toEqual([{ id: course.id, number: 1, title: 'Rust', value: 1, ratingCount: 1, ratingSum: 4, enrolledCount: 1 }]);
    expect(await store.getCourse(c.id, course.id)).toMatchObject({ ratingSum: 4, enrolledCount: 1 });
    await store.close();
  });

  it('given one write of a page refused by the file, when saved, then only that one is missing', async () => {
    const store = SqliteStore.open({ path: ':memory:' });
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map((x) => store.upsertCommunity({ platform: 'console', externalId: x }, x)));
    // A constraint the schema could hold: b's score snapshots are refused (its daily one would pass).
    store.database.exec(`CREATE TRIGGER refuse_b BEFORE INSERT ON score_snapshots WHEN NEW.community_id = ${Number(b!.id)} BEGIN SELECT RAISE(ABORT, 'refused for b'); END`);
    const takenAt = new Date('2026-01-02T12:00:00Z');
    const write = (communityId: string) => ({
      score: { communityId, takenAt, score: 1, satisfaction: 4, coverage: 0.25, memberCount: 1, courseCount: 1 },
      daily: buildDailySnapshot({ communityId, day: '2026-01-02', takenAt, memberCount: 1, courses: [], priorWeight: 5 }),
    });
    const outcomes = await store.saveRecomputes([write(a!.id), write(b!.id), write(c!.id)]);
    expect(outcomes.map((o) => (o.ok ? o.dailySaved : o.error.message))).toEqual([true, 'refused for b', true]);
    for (const [community, kept] of [[a!, 1], [b!, 0], [c!, 1]] as const) {
      // b's daily snapshot went back with its refused score: a community's writes stand or fall together.
      expect([(await store.listScoreSnapshots(community.id, 5)).length, (await store.listDailySnapshots(community.id, '2026-01-01')).length]).toEqual([kept, kept]);
    }
    await store.close();
  });

  it('refuses a second rating row for the same member and course at the schema level', async () => {
    const store = SqliteStore.open({ path: ':memory:' });
    const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
    const m = await store.upsertMember(c.id, 'ana', 'Ana');
    const course = await store.createCourse(c.id, { title: 'Rust', description: '', url: null, tags: [], value: 1, startsAt: null });
    const insert = store.database.prepare('INSERT INTO ratings (community_id, member_id, course_id, stars, updated_at) VALUES (?, ?, ?, ?, ?)');
    insert.run(Number(c.id), Number(m.id), Number(course.id), 4, 0);
    expect(() => insert.run(Number(c.id), Number(m.id), Number(course.id), 5, 0)).toThrow(/UNIQUE|PRIMARY KEY/);
    expect(() => store.database.prepare('INSERT INTO ratings (community_id, member_id, course_id, stars, updated_at) VALUES (?, ?, ?, 6, 0)').run(Number(c.id), Number(m.id), Number(course.id) + 1)).toThrow();
    await store.close();
  });
});

describe('SQLite group transactions: delivery log and enrollment reads', () => {
  const t0 = new Date('2026-03-01T10:00:00Z');

  function fileStore() {
    const dir = mkdtempSync(join(tmpdir(), 'syllabot-deliveries-'));
    const path = join(dir, 'store.sqlite');
    const store = SqliteStore.open({ path });
    return { store, path, dispose: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
  }

  it('given claims and marks made in one turn, when committed, then each caller gets its own answer', async () => {
    const { store, dispose } = fileStore();
    const log = store.deliveries;
    await log.markSent('done', t0);
    const rows = store.database.prepare('SELECT count(*) FROM deliveries').pluck();
    const answers = Promise.all([log.claim('a', 'w1', 5_000, t0), log.claim('done', 'w1', 5_000, t0), log.claim('a', 'w2', 5_000, t0), log.markSent('b', t0)]);
    // Nothing is written before the end of the turn; then all of it at once.
    expect(rows.get()).toBe(1);
    expect(await answers).toEqual([{ kind: 'claimed', attempted: false }, { kind: 'sent' }, { kind: 'busy', retryInMs: 5_000 }, undefined]);
    expect(rows.get()).toBe(3);
    await dispose();
  });

  it('given one write of a batch failing on its own, when committed, then only its caller fails', async () => {
    const { store, dispose } = fileStore();
    const log = store.deliveries;
    const [bad, good] = await Promise.allSettled([log.markSent('bad', new Date(Number.NaN)), log.claim('good', 'w1', 5_000, t0)]);
    expect(bad.status).toBe('rejected');
    expect(good).toEqual({ status: 'fulfilled', value: { kind: 'claimed', attempted: false } });
    expect(await log.get('good')).toMatchObject({ state: 'pending', owner: 'w1' });
    expect(await log.get('bad')).toBeNull();
    await dispose();
  });

  it('given the file locked by another process, when a batch cannot begin, then all fail, none written', async () => {
    const { store, path, dispose } = fileStore();
    store.database.pragma('busy_timeout = 20');
    const other = new Database(path);
    other.prepare('BEGIN IMMEDIATE').run();
    const log = store.deliveries;
    const results = await Promise.allSettled([log.claim('x', 'w1', 5_000, t0), log.markSent('y', t0)]);
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : r.status))).toEqual(['StorageUnavailableError', 'StorageUnavailableError']);
    other.prepare('ROLLBACK').run();
    other.close();
    expect([await log.get('x'), await log.get('y')]).toEqual([null, null]);
    await dispose();
  });

  it('given only reads grouped in a turn, when another process holds the write lock, then they answer', async () => {
    const { store, path, dispose } = fileStore();
    const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
    const m = await store.upsertMember(c.id, 'ana', 'Ana');
    const course = await store.createCourse(c.id, { title: 'Rust', description: '', url: null, tags: [], value: 1, startsAt: null });
    await store.enroll(c.id, m.id, course.id, t0);
    store.database.pragma('busy_timeout = 20');
    const other = new Database(path);
    other.prepare('BEGIN IMMEDIATE').run();
    const contexts = await Promise.all([store.enrollmentContext(c.id, m.id, course.id), store.enrollmentContext(c.id, 'not-an-id', course.id)]);
    expect(contexts.map((x) => [x.member?.id ?? null, x.enrolled])).toEqual([[m.id, true], [null, false]]);
    other.prepare('ROLLBACK').run();
    other.close();
    await dispose();
  });

  it('given writes queued in this turn, when the store closes, then they are written first', async () => {
    const { store, path, dispose } = fileStore();
    const marked = store.deliveries.markSent('last', t0);
    await store.close();
    await marked;
    const reopened = SqliteStore.open({ path });
    expect(await reopened.deliveries.get('last')).toMatchObject({ state: 'sent', sentAt: t0 });
    await reopened.close();
    await dispose();
  });
});
