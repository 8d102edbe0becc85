import type { DeliveryClaim, DeliveryRecords } from '../src/ports/store/deliveries.ts';

export type Claim = DeliveryClaim;

/**
 * What was sent, shared by every process on the store: BullMQ delivers each job at least once,
 * and this turns "at least once" into "once". It lives in the store (SQLite or MongoDB), not in
 * Redis, so a Redis that comes back empty forgets queued jobs but never what went out.
 *
 * - A repeat of a sent delivery (a retry, a stalled job run again, a catch-up) finds `sent`.
 * - A sender holds a short lease on its claim and renews it while the platform call runs, so a
 *   sender that dies frees the delivery within one lease (seconds), not after the platform's
 *   time-out.
 * - A claim taken over from a dead or failed sender is `attempted`: that sender may have
 *   reached the platform after all, and the messenger then lets the platform refuse a repeat
 *   (Discord's nonce, a Slack history look-up), which closes the window between the platform
 *   accepting a message and `sent` being written.
 */
export class DeliveryLog {
  constructor(
    private readonly records: DeliveryRecords,
    private readonly now: () => Date,
    readonly leaseMs: number,
  ) {}

  claim(deliveryKey: string, owner: string): Promise<Claim> {
    return this.records.claim(deliveryKey, owner, this.leaseMs, this.now());
  }

  /**
   * Renews `owner`'s claim every third of a lease until the returned stopper is called.
   * `onLost` is told once if the claim was lost (the process stalled for longer than a lease).
   */
  keepAlive(deliveryKey: string, owner: string, onLost: () => void): () => void {
    let stopped = false;
    const timer = setInterval(
      () => {
        this.records.renew(deliveryKey, owner, this.leaseMs, this.now()).then(
          (held) => {
            if (!held && !stopped) {
              stopped = true;
              clearInterval(timer);
              onLost();
            }
          },
          () => undefined, // the store is away: the next tick tries again
        );
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }

  markSent(deliveryKey: string): Promise<void> {
    return this.records.markSent(deliveryKey, this.now());
  }

  /** Gives a claim back after a failed platform call, so a retry need not wait for the lease. */
  release(deliveryKey: string, owner: string): Promise<void> {
    return this.records.release(deliveryKey, owner);
  }

  async wasSent(deliveryKey: string): Promise<boolean> {
    return (await this.records.get(deliveryKey))?.state === 'sent';
  }

  sentAmong(deliveryKeys: readonly string[]): Promise<Set<string>> {
    return this.records.sentAmong(deliveryKeys);
  }

  pruneSent(before: Date): Promise<number> {
    return this.records.pruneSent(before);
  }
}
