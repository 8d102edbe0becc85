import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { cronParserNext, nextCronMillis } from '../../jobs/cron-next.ts';

/** Zones with DST north and south, half-hour offsets, a half-hour DST (Lord Howe), and none. */
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Shanghai', 'Asia/Tokyo', 'America/Sao_Paulo', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'Europe/London'];
const FROM = Date.UTC(2025, 0, 1);
const TO = Date.UTC(2029, 0, 1);

const numbers = (min: number, max: number) => fc.uniqueArray(fc.integer({ min, max }), { minLength: 1, maxLength: 3 }).map((v) => v.join(','));
const pattern = fc
  .tuple(
    fc.oneof(numbers(0, 59), fc.constant('*'), fc.constant('*/15')),
    fc.oneof(numbers(0, 23), fc.constant('*')),
    fc.oneof(fc.constant('*'), numbers(1, 31), fc.constant('1-5')),
    fc.oneof(fc.constant('*'), fc.constant('1')),
    fc.oneof(fc.constant('*'), numbers(0, 7), fc.constant('1-5')),
  )
  .map((f) => f.join(' '));
/** Any instant, or one close to a daylight-saving change (the last Sundays of March and October, early April and November). */
const instant = fc.oneof(
  fc.integer({ min: FROM, max: TO }),
  fc.tuple(fc.integer({ min: 2025, max: 2028 }), fc.constantFrom(2, 3, 9, 10), fc.integer({ min: 1, max: 31 }), fc.integer({ min: 0, max: 24 * 60 - 1 }), fc.integer({ min: 0, max: 59_999 })).map(
    ([y, m, d, minute, ms]) => Date.UTC(y, m, d) + minute * 60_000 + ms,
  ),
);

describe('digest schedule next run', () => {
  it('given random patterns, zones and instants, when the next run is computed, then = cron-parser', () => {
    fc.assert(
      fc.property(pattern, fc.constantFrom(...ZONES), instant, (p, zone, at) => {
        expect(nextCronMillis(p, zone, at)).toBe(cronParserNext(p, zone, at));
      }),
      { numRuns: 1_500 },
    );
  });

  it('given the bench\'s weekly schedules over zones, when computed, then each equals cron-parser', () => {
    for (let i = 0; i < 500; i++) {
      const p = `${i % 60} ${i % 24} * * ${i % 7}`;
      const zone = ZONES[i % ZONES.length]!;
      const at = FROM + i * 3_600_123;
      expect(nextCronMillis(p, zone, at), `${p} ${zone} ${new Date(at).toISOString()}`).toBe(cronParserNext(p, zone, at));
    }
  });
});
