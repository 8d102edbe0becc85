import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { backupSqlite, restoreSqlite } from '../../src/operations/backup.ts';
import { OperationRefused } from '../../src/operations/refused.ts';
import { BIN, operatorEnv, runCli } from '../support/cli.ts';
import { dumpStore } from '../support/core.ts';
import { tempDir } from './support.ts';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A real `syllabot console` whose input the test writes line by line while it runs. */
function liveConsole(path: string) {
  const child = spawn(process.execPath, [BIN, 'console'], {
    env: operatorEnv({ SQLITE_PATH: path, JOBS_ENABLED: 'false', LOG_LEVEL: 'warn' }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return {
    write: (line: string) => new Promise<void>((resolve) => child.stdin.write(`${line}\n`, () => resolve())),
    /** Waits until the console has answered `count` commands. */
    async answered(count: number): Promise<void> {
      while ((stdout.match(/^» /gm) ?? []).length < count) await new Promise((r) => setTimeout(r, 20));
    },
    end: () => {
      child.stdin.end();
      return exited;
    },
    kill: () => child.kill('SIGKILL'),
  };
}

function countsOf(path: string) {
  const store = SqliteStore.open({ path });
  const db = store.database;
  const counts = {
    enrollments: db.prepare('SELECT count(*) FROM enrollments').pluck().get() as number,
    ratings: db.prepare('SELECT count(*) FROM ratings').pluck().get() as number,
  };
  return { counts, store };
}

describe('syllabot backup and restore', () => {
  it('given the console writing, when a backup is taken, then it opens, consistent with the store', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const path = join(tmp.dir, 'live.sqlite');
    const live = liveConsole(path);
    cleanup.push(() => void live.kill());
    let sent = 0;
    const send = async (line: string) => {
      await live.write(line);
      sent += 1;
    };
    for (let n = 1; n <= 20; n++) await send(`/course add title:"Course ${n}" value:${n % 5 + 1}`);
    await live.answered(sent);
    // Keep the console busy writing while the backup runs.
    let writing = true;
    const writer = (async () => {
      for (let m = 0; writing && m < 400; m++) {
        await send(`@m${m} /enroll ${(m % 20) + 1}`);
        await send(`@m${m} /rate ${(m % 20) + 1} ${(m % 5) + 1}`);
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await live.answered(sent + 30);
    const during = join(tmp.dir, 'backups', 'during.sqlite');
    const report = await backupSqlite(path, during);
    writing = false;
    await writer;
    expect(report.counts.courses).toBe(20);
    // A consistent state: every course's counts agree with the rows copied with it.
    const copy = SqliteStore.open({ path: during });
    expect(copy.database.pragma('integrity_check', { simple: true })).toBe('ok');
    const community = (await copy.findCommunity({ platform: 'console', externalId: 'local' }))!;
    expect(await copy.recomputeAggregates(community.id)).toEqual([]);
    expect(report.counts.enrollments).toBeGreaterThan(0);
    await copy.close();

    await live.answered(sent);
    const after = join(tmp.dir, 'backups', 'after.sqlite');
    await backupSqlite(path, after);
    const { counts, store } = countsOf(path);
    expect(report.counts.enrollments).toBeLessThanOrEqual(counts.enrollments);
    const afterCopy = SqliteStore.open({ path: after });
    expect(dumpStore(afterCopy)).toBe(dumpStore(store));
    await afterCopy.close();
    await store.close();

    // While the console runs, restore refuses to pull the file from under it.
    expect(() => restoreSqlite(during, path)).toThrow(OperationRefused);
    expect(() => restoreSqlite(during, path)).toThrow(/in use by console \(pid \d+/);
    expect(await live.end()).toBe(0);
    const restored = restoreSqlite(during, path);
    expect(restored.previous && existsSync(restored.previous)).toBe(true);
    const back = countsOf(path);
    expect(back.counts.enrollments).toBe(report.counts.enrollments);
    await back.store.close();
  });

  it('given the CLI, when backing up, restoring and mis-using, then each says what to do', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const path = join(tmp.dir, 'store.sqlite');
    const env = { SQLITE_PATH: path };
    expect((await runCli(['console'], '/course add title:Rust\n@ana /enroll 1\n', env)).code).toBe(0);
    const file = join(tmp.dir, 'b.sqlite');
    const backup = await runCli(['backup', '--to', file], '', env);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toContain('1 communities, 2 members, 1 courses, 1 enrollments');
    expect((await runCli(['backup', '--to', file], '', env)).stderr).toContain('already exists');
    expect((await runCli(['backup'], '', env)).code).toBe(2);
    const mongo = await runCli(['backup', '--to', join(tmp.dir, 'm.sqlite')], '', { ...env, MONGODB_URI: 'mongodb://db.example:27017/syllabot' });
    expect(mongo.code).toBe(1);
    expect(mongo.stderr).toContain('mongodump');
    expect((await runCli(['console'], '@bo /enroll 1\n', env)).code).toBe(0);
    const restore = await runCli(['restore', '--from', file], '', env);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/kept as .*store\.sqlite\.before-restore-/);
    const notBackup = await runCli(['restore', '--from', join(tmp.dir, 'missing.sqlite')], '', env);
    expect(notBackup.code).toBe(1);
    expect(notBackup.stderr).toContain('There is no backup at');
    const store = SqliteStore.open({ path });
    const community = (await store.findCommunity({ platform: 'console', externalId: 'local' }))!;
    expect(await store.findMember(community.id, 'bo')).toBeNull();
    await store.close();
  });
});
