import { describe, expect, it } from 'vitest';
import { RecentRequests, requestFingerprint } from '../../adapters/slack/dedupe.ts';

describe('recent request fingerprints (retry dedupe)', () => {
  it('given a fingerprint, then it is claimed once within the TTL and again after it expires', () => {
    let now = 1_000;
    const recent = new RecentRequests(60_000, 100, () => now);
    expect(recent.claim('a')).toBe(true);
    expect(recent.claim('a')).toBe(false);
    expect(recent.claim('b')).toBe(true);
    now += 59_999;
    expect(recent.claim('a')).toBe(false);
    now += 2;
    expect(recent.claim('a')).toBe(true);
    expect(recent.size).toBe(1);
  });

  it('given more fingerprints than the cap, then the oldest are forgotten first', () => {
    const recent = new RecentRequests(60_000, 3, () => 0);
    for (const key of ['1', '2', '3', '4']) recent.claim(key);
    expect(recent.size).toBe(3);
    expect(recent.claim('1')).toBe(true);
    expect(recent.claim('4')).toBe(false);
  });

  it('fingerprints by trigger or event id per workspace, else by the payload', () => {
    expect(requestFingerprint('command', 'T1', 'trig', { a: 1 })).toBe('command:T1:trig');
    expect(requestFingerprint('command', 'T2', 'trig', { a: 1 })).not.toBe(requestFingerprint('command', 'T1', 'trig', { a: 1 }));
    expect(requestFingerprint('event', 'T1', undefined, { a: 1 })).toBe(requestFingerprint('event', 'T1', undefined, { a: 1 }));
    expect(requestFingerprint('event', 'T1', undefined, { a: 1 })).not.toBe(requestFingerprint('event', 'T1', undefined, { a: 2 }));
  });
});
