import type { DeliveryClaim, DeliveryRecord, DeliveryRecords } from '../../ports/store/deliveries.ts';
import { SqlitePart } from './connection.ts';

type ClaimRow = Pick<DeliveryRow, 'state' | 'attempts' | 'owner' | 'lease_until'>;

interface DeliveryRow {
  key: string;
  state: 'pending' | 'sent';
  attempts: number;
  owner: string | null;
  lease_until: number | null;
  sent_at: number | null;
}

/**
 * The delivery log in the SQLite file. Claims and sent marks are group-committed
 * (SqliteConnection.grouped): those made in one turn of the event loop share one immediate
 * transaction, each applied in order as if alone (a second claim of a key in the same group
 * sees the first), and each caller goes on only once it has committed. So two senders, in
 * this process or another on the same file, never both claim a delivery (SQLite serialises
 * writers), and a claim or "sent" is committed before its caller acts on it.
 */
export class SqliteDeliveries extends SqlitePart implements DeliveryRecords {

  claim(key: string, owner: string, leaseMs: number, now: Date): Promise<DeliveryClaim> {
    const at = now.getTime();
    return this.grouped((): DeliveryClaim => {
      const row = this.sql('SELECT state, attempts, owner, lease_until FROM deliveries WHERE key = ?').get(key) as ClaimRow | undefined;
      if (row?.state === 'sent') return { kind: 'sent' };
      if (row && row.owner !== null && row.owner !== owner && (row.lease_until ?? 0) > at) return { kind: 'busy', retryInMs: row.lease_until! - at };
      this.sql(
        `INSERT INTO deliveries (key, state, attempts, owner, lease_until, updated_at) VALUES (?, 'pending', 1, ?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET attempts = attempts + 1, owner = excluded.owner, lease_until = excluded.lease_until, updated_at = excluded.updated_at`,
      ).run(key, owner, at + leaseMs, at);
      return { kind: 'claimed', attempted: row !== undefined && row.attempts > 0 };
    }, 'write');
  }

  renew(key: string, owner: string, leaseMs: number, now: Date): Promise<boolean> {
    const at = now.getTime();
    return this.guard(
      () => this.sql(`UPDATE deliveries SET lease_until = ?, updated_at = ? WHERE key = ? AND state = 'pending' AND owner = ?`).run(at + leaseMs, at, key, owner).changes > 0,
    );
  }

  markSent(key: string, at: Date): Promise<void> {
    return this.grouped(() => {
      this.sql(
        `INSERT INTO deliveries (key, state, attempts, sent_at, updated_at) VALUES (?, 'sent', 1, ?, ?)
         ON CONFLICT (key) DO UPDATE SET state = 'sent', owner = NULL, lease_until = NULL, sent_at = excluded.sent_at, updated_at = excluded.updated_at`,
      ).run(key, at.getTime(), at.getTime());
    }, 'write');
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
