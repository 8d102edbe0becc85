import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { MIGRATIONS } from '../../src/infra/sqlite/migrations.ts';
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
    const store = SqliteStore.open({ path: ':memory:' });
    const c = await store.upsertCommunity({ platform: 'console', externalId: 'x' }, 'X');
    const m = await store.upsertMember(c.id, 'ana', 'Ana');
    const course = await store.createCourse(c.id, { title: 'Rust', description: '', url: null, tags: [], value: 1, startsAt: null });
    await store.enroll(c.id, m.id, course.id, new Date());
    await store.rate(c.id, m.id, course.id, 4, null, new Date());
    store.database.prepare('UPDATE courses SET rating_sum = 99, enrolled_count = 7').run();
    const repairs = await store.recomputeAggregates(c.id);
    expect(repairs).toEqual([{ courseId: course.id, before: { ratingCount: 1, ratingSum: 99, enrolledCount: 7 }, after: { ratingCount: 1, ratingSum: 4, enrolledCount: 1 } }]);
    expect(await store.getCourse(c.id, course.id)).toMatchObject({ ratingSum: 4, enrolledCount: 1 });
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
