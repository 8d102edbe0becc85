import { describe, expect, it } from 'vitest';
import type { Store } from '../../src/ports/store/index.ts';

/** The delivery log every store keeps (see src/ports/store/deliveries.ts), run inside the store contract. */
export function describeDeliveryContract(current: () => Store): void {
  describe('delivery log', () => {
    const t0 = new Date('2026-03-01T10:00:00Z');
    const at = (ms: number) => new Date(t0.getTime() + ms);

    it('given a new delivery, when claimed, then it is ours, not attempted before; a second sender is busy', async () => {
      const log = current().deliveries;
      expect(await log.claim('d1', 'a', 5_000, t0)).toEqual({ kind: 'claimed', attempted: false });
      expect(await log.claim('d1', 'b', 5_000, at(1_000))).toEqual({ kind: 'busy', retryInMs: 4_000 });
      expect(await log.get('d1')).toMatchObject({ key: 'd1', state: 'pending', attempts: 1, owner: 'a', leaseUntil: at(5_000), sentAt: null });
    });

    it('given a claim renewed by its sender, when another tries before the lease ends, then it stays busy', async () => {
      const log = current().deliveries;
      await log.claim('d2', 'a', 5_000, t0);
      expect(await log.renew('d2', 'a', 5_000, at(4_000))).toBe(true);
      expect(await log.claim('d2', 'b', 5_000, at(6_000))).toEqual({ kind: 'busy', retryInMs: 3_000 });
      expect(await log.renew('d2', 'b', 5_000, at(6_000))).toBe(false);
    });

    it('given a lapsed claim, when another sender claims, then it takes over, told an attempt came before', async () => {
      const log = current().deliveries;
      await log.claim('d3', 'a', 5_000, t0);
      expect(await log.claim('d3', 'b', 5_000, at(5_001))).toEqual({ kind: 'claimed', attempted: true });
      expect(await log.renew('d3', 'a', 5_000, at(5_002))).toBe(false);
      expect(await log.get('d3')).toMatchObject({ attempts: 2, owner: 'b' });
    });

    it('given a released claim, when claimed again at once, then it is free and marked as attempted', async () => {
      const log = current().deliveries;
      await log.claim('d4', 'a', 5_000, t0);
      await log.release('d4', 'b');
      expect((await log.get('d4'))?.owner).toBe('a');
      await log.release('d4', 'a');
      expect(await log.claim('d4', 'b', 5_000, at(10))).toEqual({ kind: 'claimed', attempted: true });
    });

    it('given a sent delivery, when claimed or renewed, then it reports sent and keeps its record', async () => {
      const log = current().deliveries;
      await log.claim('d5', 'a', 5_000, t0);
      await log.markSent('d5', at(100));
      expect(await log.claim('d5', 'b', 5_000, at(200))).toEqual({ kind: 'sent' });
      expect(await log.renew('d5', 'a', 5_000, at(200))).toBe(false);
      await log.release('d5', 'a');
      expect(await log.get('d5')).toMatchObject({ state: 'sent', owner: null, leaseUntil: null, sentAt: at(100) });
    });

    it('given sent and pending deliveries, when asked, then only sent ones; pruning drops old sent ones', async () => {
      const log = current().deliveries;
      await log.markSent('old', at(0));
      await log.markSent('new', at(60_000));
      await log.claim('open', 'a', 5_000, t0);
      expect([...(await log.sentAmong(['old', 'new', 'open', 'unknown']))].sort()).toEqual(['new', 'old']);
      expect(await log.sentAmong([])).toEqual(new Set());
      expect(await log.pruneSent(at(30_000))).toBe(1);
      expect(await log.get('old')).toBeNull();
      expect(await log.get('open')).toMatchObject({ state: 'pending' });
    });

    it('given many senders racing for one delivery, when they claim at once, then exactly one gets it', async () => {
      const log = current().deliveries;
      const claims = await Promise.all(Array.from({ length: 8 }, (_, i) => log.claim('race', `s${i}`, 5_000, t0)));
      expect(claims.filter((c) => c.kind === 'claimed')).toHaveLength(1);
      expect(claims.filter((c) => c.kind === 'busy')).toHaveLength(7);
    });
  });
}
