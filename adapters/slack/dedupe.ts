import { createHash } from 'node:crypto';

/**
 * Remembers request fingerprints for a few minutes so a request Slack (or anyone replaying a
 * still-valid signed request) sends twice is answered once. Per process; with several bot
 * processes behind a load balancer, a retry landing on another one is caught by the shared
 * claims (RequestClaims over Redis) the handlers consult after this.
 */
export class RecentRequests {
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 50_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time a fingerprint is seen within the TTL, false for a repeat. */
  claim(fingerprint: string): boolean {
    const now = this.now();
    this.prune(now);
    const expiry = this.expiries.get(fingerprint);
    if (expiry !== undefined && expiry > now) return false;
    this.expiries.delete(fingerprint);
    this.expiries.set(fingerprint, now + this.ttlMs);
    while (this.expiries.size > this.maxEntries) this.expiries.delete(this.expiries.keys().next().value!);
    return true;
  }

  get size(): number {
    return this.expiries.size;
  }

  /** Entries are kept in insertion order with one TTL, so the expired ones are at the front. */
  private prune(now: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) break;
      this.expiries.delete(key);
    }
  }
}

/**
 * What identifies one request from Slack: the trigger id of a slash command or interaction
 * (unique per invocation), the event id of an event; a hash of the payload otherwise.
 */
export function requestFingerprint(kind: string, teamId: string | undefined, unique: string | undefined, payload: unknown): string {
  const id = unique ?? createHash('sha256').update(JSON.stringify(payload)).digest('base64url');
  return `${kind}:${teamId ?? '-'}:${id}`;
}
