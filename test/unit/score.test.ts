import { describe, expect, it } from 'vitest';
import { bayesianRating, communityMean, communityScore, rankCourses } from '../../src/domain/score.ts';

describe('community score G', () => {
  it('given all rate every course 4 with value 10, then G = 4.00 (the founding example\'s 40 is a slip)', () => {
    const members = 7;
    const courses = Array.from({ length: 3 }, () => ({ value: 10, ratingCount: members, ratingSum: 4 * members }));
    const g = communityScore(members, courses);
    expect(g.score).toBeCloseTo(4, 12);
    expect(g.satisfaction).toBeCloseTo(4, 12);
    expect(g.coverage).toBeCloseTo(1, 12);
  });

  it('given a mixed community done by hand, then G, satisfaction, coverage match; G = S × C', () => {
    // N = 4 members; courses A (V=2), B (V=1), C (V=3).
    // Ratings: A: 5, 3 (two members) ; B: 4 (one member) ; C: none.
    // Σ_u Σ_c R·V = (5+3)·2 + 4·1 + 0·3 = 20
    // N·ΣV = 4·(2+1+3) = 24            → G = 20/24 = 0.8333…
    // Σ V·n = 2·2 + 1·1 = 5             → satisfaction = 20/5 = 4, coverage = 5/24
    const g = communityScore(4, [
      { value: 2, ratingCount: 2, ratingSum: 8 },
      { value: 1, ratingCount: 1, ratingSum: 4 },
      { value: 3, ratingCount: 0, ratingSum: 0 },
    ]);
    expect(g.score).toBeCloseTo(20 / 24, 12);
    expect(g.satisfaction).toBeCloseTo(4, 12);
    expect(g.coverage).toBeCloseTo(5 / 24, 12);
    expect(g.satisfaction * g.coverage).toBeCloseTo(g.score, 12);
    expect(g.ratingCount).toBe(3);
  });

  it('given the double sum over members written out literally, then it equals the aggregate form', () => {
    const values = [1, 2.5, 4];
    // R[u][c], 0 = not rated
    const R = [
      [5, 0, 3],
      [1, 4, 0],
      [0, 0, 0],
      [2, 2, 5],
      [0, 3, 0],
    ];
    let numerator = 0;
    for (const row of R) row.forEach((r, c) => (numerator += r * values[c]!));
    const expected = numerator / (R.length * values.reduce((a, b) => a + b, 0));
    const courses = values.map((value, c) => ({
      value,
      ratingCount: R.filter((row) => row[c]! > 0).length,
      ratingSum: R.reduce((s, row) => s + row[c]!, 0),
    }));
    expect(communityScore(R.length, courses).score).toBeCloseTo(expected, 12);
  });

  it('given no members or no courses, then every figure is 0 rather than NaN', () => {
    expect(communityScore(0, [])).toMatchObject({ score: 0, satisfaction: 0, coverage: 0 });
    expect(communityScore(3, [{ value: 1, ratingCount: 0, ratingSum: 0 }])).toMatchObject({ score: 0, satisfaction: 0, coverage: 0 });
  });
});

describe('Bayesian ranking', () => {
  it('given one 5★ rating and a hundred 4.8★ ones in a community averaging ~4, then the hundred rank first', () => {
    const lucky = { number: 1, ratingCount: 1, ratingSum: 5 };
    const proven = { number: 2, ratingCount: 100, ratingSum: 480 };
    const ordinary = { number: 3, ratingCount: 150, ratingSum: 450 };
    const ranked = rankCourses([lucky, proven, ordinary], 5);
    expect(ranked.map((r) => r.item.number)).toEqual([2, 1, 3]);
    expect(ranked[0]!.rank).toBe(1);
  });

  it('given the prior, then the weighted rating is (S + m·C) / (n + m)', () => {
    const courses = [
      { ratingCount: 2, ratingSum: 6 },
      { ratingCount: 3, ratingSum: 15 },
    ];
    const mean = communityMean(courses);
    expect(mean).toBeCloseTo(21 / 5, 12);
    expect(bayesianRating(courses[0]!, mean, 5)).toBeCloseTo((6 + 5 * mean) / 7, 12);
  });

  it('given unrated courses, then they are left unranked and ties go to more ratings, then lower number', () => {
    const ranked = rankCourses(
      [
        { number: 3, ratingCount: 0, ratingSum: 0 },
        { number: 2, ratingCount: 2, ratingSum: 8 },
        { number: 1, ratingCount: 2, ratingSum: 8 },
        { number: 4, ratingCount: 4, ratingSum: 16 },
      ],
      5,
    );
    expect(ranked.map((r) => r.item.number)).toEqual([4, 1, 2]);
  });
});
