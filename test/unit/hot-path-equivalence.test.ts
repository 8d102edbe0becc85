import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clip, clipByDefinition as plainClip } from '../../src/domain/limits.ts';
import { rankCourses, rankOf, topRanked } from '../../src/domain/score.ts';

const course = fc.record({
  ratingCount: fc.integer({ min: 0, max: 40 }),
  stars: fc.integer({ min: 1, max: 5 }),
  extra: fc.integer({ min: 0, max: 160 }),
});
/** Courses with unique numbers; small counts and sums so that ties in the weighted rating happen. */
const catalog = fc.array(course, { maxLength: 60 }).map((list) =>
  list.map((c, i) => ({ id: `c${i}`, number: i + 1, ratingCount: c.ratingCount, ratingSum: c.ratingCount === 0 ? 0 : Math.min(5 * c.ratingCount, c.ratingCount * c.stars + (c.extra % c.ratingCount)) })),
);

describe('hot-path shortcuts equal the definitions they replace', () => {
  it('given any text (pairs, lone surrogates, CJK), when clipped, then it equals the definition', () => {
    const text = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }));
    const max = fc.oneof(fc.integer({ min: -2, max: 45 }), fc.double({ min: -2, max: 45 }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY));
    const options = fc.record(
      { ellipsis: fc.constantFrom('…', '', '...', '😀'), units: fc.constantFrom('code-points' as const, 'utf16' as const), escape: fc.constant((t: string) => t.replaceAll('&', '&amp;')) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(text, max, options, (t, m, o) => {
        expect(clip(t, m, o)).toBe(plainClip(t, m, o));
      }),
      { numRuns: 10_000 },
    );
  });

  it('given random catalogs, when the top k are taken, then they equal the first k of the full ranking', () => {
    fc.assert(
      fc.property(catalog, fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 20 }), (courses, k, weight) => {
        expect(topRanked(courses, k, weight)).toEqual(rankCourses(courses, weight).slice(0, k));
      }),
      { numRuns: 2_000 },
    );
  });

  it('given random catalogs, when one course is placed, then its rank and the total equal the full ranking', () => {
    fc.assert(
      fc.property(catalog, fc.nat(), fc.integer({ min: 0, max: 20 }), (courses, pick, weight) => {
        const id = courses.length === 0 ? 'none' : courses[pick % courses.length]!.id;
        const full = rankCourses(courses, weight);
        const { ranked, total } = rankOf(courses, (c) => c.id === id, weight);
        expect(total).toBe(full.length);
        expect(ranked).toEqual(full.find((r) => r.item.id === id) ?? null);
      }),
      { numRuns: 2_000 },
    );
  });
});
