import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import { StorageUnavailableError } from '../../domain/errors.ts';
import { migrate } from './migrations.ts';

/** Errors that mean "the file is busy or unreadable right now", not a bug. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/;

/**
 * One SQLite file in WAL mode, shared by the store's per-aggregate modules: the handle, a cache
 * of prepared statements, and the translation of "busy or unreadable" errors for the core.
 */
export class SqliteConnection {
  private readonly statements = new Map<string, Statement>();

  private constructor(readonly db: Db) {}

  /** Opens (creating folders and the file as needed) and migrates. `:memory:` for throwaway stores. */
  static open(path: string): SqliteConnection {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return new SqliteConnection(db);
  }

  sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** Runs synchronous work as a settled promise; a busy or unreadable file becomes StorageUnavailableError. */
  guard<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      if (isUnavailable(error)) return Promise.reject(new StorageUnavailableError(error));
      return Promise.reject(error);
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/** A busy or unreadable file (worth retrying later), as opposed to a bug or a refused write. */
export function isUnavailable(error: unknown): error is Error {
  return error instanceof Error && 'code' in error && UNAVAILABLE.test(String(error.code));
}

/**
 * What every per-aggregate module shares. better-sqlite3 is synchronous, so each method runs to
 * completion without interleaving; writes that touch two tables run in one immediate
 * transaction so a crash leaves either both or neither.
 */
export abstract class SqlitePart {
  constructor(private readonly connection: SqliteConnection) {}

  protected get db(): Db {
    return this.connection.db;
  }

  protected sql(text: string): Statement {
    return this.connection.sql(text);
  }

  protected guard<T>(work: () => T): Promise<T> {
    return this.connection.guard(work);
  }
}
