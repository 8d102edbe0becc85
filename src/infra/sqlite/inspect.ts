import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { TRANSFER_KINDS, type TransferKind } from '../../ports/store/transfer.ts';
import { MIGRATIONS } from './migrations.ts';

/** A file that is not a usable Syllabot backup; the message says why. */
export class NotABackupError extends Error {
  override readonly name = 'NotABackupError';
}

/** Opens a backup read-only, checks its integrity and schema, and counts its records. */
export function inspectBackup(file: string): Record<TransferKind, number> {
  if (!existsSync(file)) throw new NotABackupError(`There is no backup at ${file}.`);
  let db;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new NotABackupError(`${file} is not an SQLite database (${(error as Error).message}).`);
  }
  try {
    let check: unknown;
    try {
      check = db.pragma('integrity_check', { simple: true });
    } catch (error) {
      throw new NotABackupError(`${file} is not a readable SQLite database (${(error as Error).message}).`);
    }
    if (check !== 'ok') throw new NotABackupError(`${file} failed SQLite's integrity check (${String(check)}).`);
    const tables = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    if (!tables.has('schema_migrations') || !tables.has('communities')) throw new NotABackupError(`${file} is an SQLite database but not a Syllabot store.`);
    const version = db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number;
    if (version > MIGRATIONS.at(-1)!.version) throw new NotABackupError(`${file} comes from a newer Syllabot (schema ${version}); upgrade before restoring it.`);
    const table: Record<TransferKind, string> = {
      communities: 'communities',
      members: 'members',
      courses: 'courses',
      enrollments: 'enrollments',
      ratings: 'ratings',
      courseAccess: 'course_access',
      grants: 'enrollment_grants',
      consoleRoles: 'console_roles',
      snapshots: 'score_snapshots',
      history: 'daily_snapshots',
      installations: 'installations',
    };
    const counts = {} as Record<TransferKind, number>;
    for (const kind of TRANSFER_KINDS) counts[kind] = tables.has(table[kind]) ? (db.prepare(`SELECT count(*) FROM ${table[kind]}`).pluck().get() as number) : 0;
    return counts;
  } finally {
    db.close();
  }
}

