import type { Redis } from 'ioredis';

export type Claim = { kind: 'claimed' } | { kind: 'sent' } | { kind: 'busy'; retryInMs: number };

/*
 * GET-then-SET in one script, so two workers can never both claim a delivery.
 *   no record            → claim it for ARGV[1] for ARGV[2] ms
 *   "sent"               → it went out already
 *   our own claim        → extend it (a retry of the same attempt)
 *   someone else's claim → busy for its remaining lease
 */
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], 'pending:' .. ARGV[1], 'PX', ARGV[2])
  return {'claimed', 0}
end
if v == 'sent' then return {'sent', 0} end
if v == 'pending:' .. ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {'claimed', 0}
end
return {'busy', redis.call('PTTL', KEYS[1])}
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == 'pending:' .. ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * What was sent, shared by every process on the Redis: BullMQ delivers each job at least once,
 * and this turns "at least once" into "once". A delivery is claimed before the platform call
 * and marked sent after it:
 *
 * - a repeat of a sent delivery (a retry, a stalled job run again, a re-queued reminder) finds
 *   "sent" and is skipped;
 * - a worker that dies before or during the call leaves a claim that expires after its lease,
 *   after which another worker sends it, so a crash loses nothing;
 * - the one window left is a crash after the platform accepted the message and before "sent"
 *   is written (one Redis round trip), which can repeat that message once.
 */
export class DeliveryLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly leaseMs: number,
    private readonly retentionMs: number,
  ) {}

  key(deliveryKey: string): string {
    return `${this.prefix}:deliveries:${deliveryKey}`;
  }

  async claim(deliveryKey: string, owner: string): Promise<Claim> {
    const [kind, ttl] = (await this.redis.eval(CLAIM, 1, this.key(deliveryKey), owner, String(this.leaseMs))) as [string, number];
    if (kind === 'claimed') return { kind: 'claimed' };
    if (kind === 'sent') return { kind: 'sent' };
    // A claim without expiry cannot happen (it is always set with PX); treat it as a full lease.
    return { kind: 'busy', retryInMs: ttl > 0 ? ttl : this.leaseMs };
  }

  async markSent(deliveryKey: string): Promise<void> {
    await this.redis.set(this.key(deliveryKey), 'sent', 'PX', this.retentionMs);
  }

  /** Gives a claim back after a failed platform call, so a retry need not wait for the lease. */
  async release(deliveryKey: string, owner: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, this.key(deliveryKey), owner);
  }

  async wasSent(deliveryKey: string): Promise<boolean> {
    return (await this.redis.get(this.key(deliveryKey))) === 'sent';
  }
}
