import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db, type Statement, type Transaction } from 'better-sqlite3';
import { StorageUnavailableError } from '../../domain/errors.ts';
import { migrate } from './migrations.ts';

/** Errors that mean "the file is busy or unreadable right now", not a bug. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/;

/** Work waiting for the group transaction at the end of this turn (SqliteConnection.grouped). */
interface Grouped {
  work: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * One SQLite file in WAL mode, shared by the store's per-aggregate modules: the handle, a cache
 * of prepared statements, the translation of "busy or unreadable" errors for the core, and
 * group transactions for the jobs' hot path.
 */
export class SqliteConnection {
  private readonly statements = new Map<string, Statement>();
  private queued: Grouped[] = [];
  private queuedWrites = false;
  private flushing: NodeJS.Immediate | undefined;
  private runGroup: Transaction<(items: readonly Grouped[], into: Outcome[]) => void> | undefined;

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

  /**
   * Runs `work` in one transaction with every other grouped work queued in this turn of the
   * event loop, at the end of the turn (an immediate transaction when any of it writes), and
   * settles each caller's promise once that transaction has committed. Each work runs in order
   * as if alone (it sees the writes queued before it). A transaction costs more than the few
   * statements in it (a read lock on the WAL's shared memory; for writes, the WAL append and
   * now and then a checkpoint), so the jobs a worker received together share one: their
   * enrollment reads, then their delivery claims, then their sent marks. A work that fails on
   * its own (SQLite rolls back that statement only) fails its caller alone; a failed BEGIN or
   * COMMIT (the file busy beyond busy_timeout, a full disk) fails every caller, as none of it
   * was written.
   */
  grouped<T>(work: () => T, kind: 'read' | 'write'): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ work, resolve: resolve as (value: never) => void, reject });
      if (kind === 'write') this.queuedWrites = true;
      this.flushing ??= setImmediate(() => this.flushGrouped());
    });
  }

  /** Runs what is grouped now instead of at the end of the turn (the store is closing). */
  flushGrouped(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const batch = this.queued;
    const writes = this.queuedWrites;
    if (batch.length === 0) return;
    this.queued = [];
    this.queuedWrites = false;
    this.runGroup ??= this.db.transaction((items: readonly Grouped[], into: Outcome[]) => {
      for (const item of items) {
        try {
          into.push({ ok: true, value: item.work() });
        } catch (error) {
          // The file itself failing (busy, full, I/O): SQLite may have ended the transaction.
          if (isUnavailable(error)) throw error;
          into.push({ ok: false, error });
        }
      }
    });
    const run = this.runGroup;
    const outcomes: Outcome[] = [];
    this.guard(() => (writes ? run.immediate(batch, outcomes) : run(batch, outcomes))).then(
      () => batch.forEach((item, i) => settle(item, outcomes[i]!)),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }

  /** Closes the file, after running what is grouped for this turn. */
  close(): void {
    if (!this.db.open) return;
    this.flushGrouped();
    this.db.close();
  }
}

function settle(item: Grouped, outcome: Outcome): void {
  if (outcome.ok) item.resolve(outcome.value as never);
  else item.reject(outcome.error);
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

  protected grouped<T>(work: () => T, kind: 'read' | 'write'): Promise<T> {
    return this.connection.grouped(work, kind);
  }
}
