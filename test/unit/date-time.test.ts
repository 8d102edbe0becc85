import { describe, expect, it } from 'vitest';
import { parseDateTime } from '../../src/core/options.ts';

describe('start times as moderators type them', () => {
  it.each([
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01 18:00', '2026-12-01T18:00:00.000Z'],
    ['2026-12-01T18:00:30', '2026-12-01T18:00:30.000Z'],
    ['2026-12-01T18:00Z', '2026-12-01T18:00:00.000Z'],
    ['2026-12-01T18:00+08:00', '2026-12-01T10:00:00.000Z'],
    ['2026-12-01 18:00 +0800', '2026-12-01T10:00:00.000Z'],
    ['2026-12-01T02:00-05:30', '2026-12-01T07:30:00.000Z'],
  ])('given %s, then it is %s', (text, iso) => {
    expect(parseDateTime(text)?.toISOString()).toBe(iso);
  });

  it.each(['2026-02-30', '2026-13-01', '2026-12-01 25:00', '2026-12-01 18:60', '2026-12-01T18:00+15:00', 'tomorrow', '12/01/2026', '2026-12-1'])(
    'given the impossible or unknown %s, then it is refused instead of rolled over',
    (text) => {
      expect(parseDateTime(text)).toBeNull();
    },
  );
});
