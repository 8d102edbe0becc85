import type { Transaction } from 'better-sqlite3';
import type { DeliveryClaim, DeliveryRecord, DeliveryRecords } from '../../ports/store/deliveries.ts';
import { isUnavailable, SqlitePart } from './connection.ts';

type ClaimRow = Pick<DeliveryRow, 'state' | 'attempts' | 'owner' | 'lease_until'>;

interface DeliveryRow {
  key: string;
  state: 'pending' | 'sent';
  attempts: number;
  owner: string | null;
  lease_until: number | null;
  sent_at: number | null;
}

/** A claim or mark waiting for the next group commit. */
interface Queued {
  work: () => unknown;
  resolve: (value: never) => void;
  reject: (error: unknown) => void;
}

/**
 * The delivery log in the SQLite file. Claims and sent marks are group-committed: those made
 * in one turn of the event loop (the jobs Redis handed over together claim, and later mark,
 * together) run in one immediate transaction at the end of the turn, and each caller's promise
 * settles only once that transaction has committed. Each write is applied in order as if alone
 * (a second claim of a key in the same batch sees the first), so two senders, in this process
 * or another on the same file, never both claim a delivery (SQLite serialises writers), and a
 * claim or "sent" is committed before its caller goes on. A commit costs far more than the
 * writes in it (the WAL append, a checkpoint now and then), so a batch of five costs about
 * what one write did alone (`npm run bench`, jobs).
 */
export class SqliteDeliveries extends SqlitePart implements DeliveryRecords {
  private queued: Queued[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private writeBatch: Transaction<(items: readonly Queued[], into: Outcome[]) => void> | undefined;

  claim(key: string, owner: string, leaseMs: number, now: Date): Promise<DeliveryClaim> {
    const at = now.getTime();
    return this.inNextCommit((): DeliveryClaim => {
      const row = this.sql('SELECT state, attempts, owner, lease_until FROM deliveries WHERE key = ?').get(key) as ClaimRow | undefined;
      if (row?.state === 'sent') return { kind: 'sent' };
      if (row && row.owner !== null && row.owner !== owner && (row.lease_until ?? 0) > at) return { kind: 'busy', retryInMs: row.lease_until! - at };
      this.sql(
        `INSERT INTO deliveries (key, state, attempts, owner, lease_until, updated_at) VALUES (?, 'pending', 1, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET attempts = attempts + 1, owner = excluded.owner, lease_until = excluded.lease_until, updated_at = excluded.updated_at`,
      ).run(key, owner, at + leaseMs, at);
      return { kind: 'claimed', attempted: row !== undefined && row.attempts > 0 };
    });
  }

  renew(key: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    const at = now.getTime();
    return this.guard(
      () => this.sql(`UPDATE deliveries SET lease_until = ?, updated_at = ? WHERE key = ? AND state = 'pending' AND owner = ?`).run(at + leaseMs, at, key, owner).changes > 0,
    );
  }

  markSent(key: string, at: Date): Promise<void> {
    return this.inNextCommit(() => {
      this.sql(
        `INSERT INTO deliveries (key, state, attempts, sent_at, updated_at) VALUES (?, 'sent', 1, ?, ?)
         ON CONFLICT (key) DO UPDATE SET state = 'sent', owner = NULL, lease_until = NULL, sent_at = excluded.sent_at, updated_at = excluded.updated_at`,
      ).run(key, at.getTime(), at.getTime());
    });
  }

  release(key: string, owner: string): Promise<void> {
    return this.guard(() => {
      this.sql(`UPDATE deliveries SET owner = NULL, lease_until = NULL, updated_at = ? WHERE key = ? AND state = 'pending' AND owner = ?`).run(Date.now(), key, owner);
    });
  }

  get(key: string): Promise<DeliveryRecord | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM deliveries WHERE key = ?').get(key) as DeliveryRow | undefined;
      return row ? toRecord(row) : null;
    });
  }

  sentAmong(keys: readonly string[]): Promise<Set<string>> {
    return this.guard(() => {
      const sent = new Set<string>();
      // Batches stay under SQLite's bound-parameter limit.
      for (let i = 0; i < keys.length; i += 500) {
        const batch = keys.slice(i, i + 500);
        const rows = this.db.prepare(`SELECT key FROM deliveries WHERE state = 'sent' AND key IN (${batch.map(() => '?').join(',')})`).pluck().all(...batch) as string[];
        for (const key of rows) sent.add(key);
      }
      return sent;
    });
  }

  pruneSent(before: Date): Promise<number> {
    return this.guard(() => this.sql(`DELETE FROM deliveries WHERE state = 'sent' AND sent_at < ?`).run(before.getTime()).changes);
  }

  /** Queues `work` for the group commit at the end of this turn of the event loop. */
  private inNextCommit<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queued.push({ work, resolve: resolve as (value: never) => void, reject });
      this.flushing ??= setImmediate(() => this.commitNow());
    });
  }

  /**
   * One immediate transaction for everything queued (at the end of the turn, or at once before
   * the store closes). A write that fails on its own (SQLite rolls back that statement only)
   * fails its caller alone; a failed BEGIN or COMMIT (the file busy beyond busy_timeout, a full
   * disk) fails every caller, as nothing of the batch was written.
   */
  commitNow(): void {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = undefined;
    const batch = this.queued;
    if (batch.length === 0) return;
    this.queued = [];
    const outcomes: Outcome[] = [];
    this.writeBatch ??= this.db.transaction((items: readonly Queued[], into: Outcome[]) => {
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
    const written = this.guard(() => this.writeBatch!.immediate(batch, outcomes));
    written.then(
      () => batch.forEach((item, i) => settle(item, outcomes[i]!)),
      (error: unknown) => batch.forEach((item) => item.reject(error)),
    );
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

function settle(item: Queued, outcome: Outcome): void {
  if (outcome.ok) item.resolve(outcome.value as never);
  else item.reject(outcome.error);
}

function toRecord(row: DeliveryRow): DeliveryRecord {
  return {
    key: row.key,
    state: row.state,
    attempts: row.attempts,
    owner: row.owner,
    leaseUntil: row.lease_until === null ? null : new Date(row.lease_until),
    sentAt: row.sent_at === null ? null : new Date(row.sent_at),
  };
}
