import { copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { SqliteStore } from '../infra/sqlite/sqlite-store.ts';
import { storeUsers } from '../infra/sqlite/in-use.ts';
import { inspectBackup, NotABackupError } from '../infra/sqlite/inspect.ts';
import { OperationRefused } from './refused.ts';
import type { TransferKind } from '../ports/store/transfer.ts';

export { OperationRefused };

export interface BackupReport {
  file: string;
  bytes: number;
  counts: Record<TransferKind, number>;
}

/**
 * A consistent copy of a live SQLite store with SQLite's online backup (as better-sqlite3
 * exposes it): the bot keeps writing meanwhile. The copy is then opened and checked.
 */
export async function backupSqlite(from: string, to: string, progress?: (done: number, total: number) => void): Promise<BackupReport> {
  if (!existsSync(from)) throw new OperationRefused(`There is no store at ${from}: check SQLITE_PATH or --from.`);
  if (existsSync(to)) throw new OperationRefused(`${to} already exists: choose a new file name (backups never overwrite).`);
  const store = SqliteStore.open({ path: from });
  try {
    await store.backupTo(to, progress);
  } finally {
    await store.close();
  }
  return { file: to, bytes: statSync(to).size, counts: checkedBackup(to) };
}

export interface RestoreReport {
  restored: string;
  /** Where the file that was replaced was kept, if there was one. */
  previous: string | null;
  counts: Record<TransferKind, number>;
}

/**
 * Puts a backup in place of the store at `to`, refusing while any Syllabot process uses it.
 * The replaced file is kept beside it; the copy is renamed into place so a crash never leaves
 * half a file.
 */
export function restoreSqlite(from: string, to: string, now: Date = new Date()): RestoreReport {
  const counts = checkedBackup(from);
  const users = storeUsers(to);
  if (users.length > 0) {
    const who = users.map((u) => `${u.role} (pid ${u.pid} on ${u.host}, since ${u.since})`).join(', ');
    throw new OperationRefused(`${to} is in use by ${who}. Stop every Syllabot process using it (bot, workers, console), then run restore again.`);
  }
  const staging = join(dirname(to), `.${basename(to)}.restoring`);
  copyFileSync(from, staging);
  let previous: string | null = null;
  if (existsSync(to)) {
    previous = `${to}.before-restore-${now.toISOString().replace(/[:.]/g, '-')}`;
    renameSync(to, previous);
    // The old file's log goes with it (committed writes of a process that crashed live there),
    // and would otherwise be replayed onto the restored file.
    if (existsSync(`${to}-wal`)) renameSync(`${to}-wal`, `${previous}-wal`);
  }
  rmSync(`${to}-shm`, { force: true });
  renameSync(staging, to);
  return { restored: to, previous, counts };
}

/** The backup's record counts after SQLite's integrity check; a refusal when it is not usable. */
export function checkedBackup(file: string): Record<TransferKind, number> {
  try {
    return inspectBackup(file);
  } catch (error) {
    if (error instanceof NotABackupError) throw new OperationRefused(error.message);
    throw error;
  }
}
