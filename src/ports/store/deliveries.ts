/**
 * The delivery log: one record per reminder or digest slot, kept in the store (SQLite or
 * MongoDB) so it survives a Redis that comes back empty. It turns BullMQ's "at least once" into
 * "once": a sender claims a delivery before the platform call (a lease it renews while the call
 * runs) and marks it sent after; a repeat finds `sent` and stops, and a second sender finds the
 * live claim and waits. A claim whose sender died lapses after its lease; the next claim then
 * learns that an earlier attempt may have reached the platform (`attempted`), so the messenger
 * can check the platform before posting again.
 */
export type DeliveryClaim =
  /** Ours to send. `attempted`: an earlier claim existed, whose platform call may have landed. */
  | { kind: 'claimed'; attempted: boolean }
  | { kind: 'sent' }
  /** Another sender holds a live claim; it lapses in `retryInMs` unless renewed. */
  | { kind: 'busy'; retryInMs: number };

export interface DeliveryRecord {
  key: string;
  state: 'pending' | 'sent';
  /** Claims made so far (each a sender that may have called the platform). */
  attempts: number;
  /** The current claim's owner and lease end; null once released or sent. */
  owner: string | null;
  leaseUntil: Date | null;
  sentAt: Date | null;
}

export interface DeliveryRecords {
  /** Claims `key` for `owner` until `now + leaseMs`, unless it was sent or another live claim holds it. */
  claim(key: string, owner: string, leaseMs: number, now: Date): Promise<DeliveryClaim>;
  /** Extends `owner`'s live claim; false when it lost the claim (lapsed and taken, or sent). */
  renew(key: string, owner: string, leaseMs: number, now: Date): Promise<boolean>;
  markSent(key: string, at: Date): Promise<void>;
  /** Ends `owner`'s claim after a failed platform call; the record stays `pending` (attempted). */
  release(key: string, owner: string): Promise<void>;
  get(key: string): Promise<DeliveryRecord | null>;
  /** Which of `keys` are sent (a catch-up leaves those out). */
  sentAmong(keys: readonly string[]): Promise<Set<string>>;
  /** Forgets sent records older than `before`; returns how many. */
  pruneSent(before: Date): Promise<number>;
}
