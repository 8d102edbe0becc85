import fc from 'fast-check';
import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { courseListFilter } from '../../src/infra/mongo/filters.ts';
import { coursePagePipeline, courseSortStages, enrollmentTotalsPipeline, ratingTotalsPipeline, starHistogramPipeline } from '../../src/infra/mongo/pipelines.ts';
import { rankCourses } from '../../src/domain/score.ts';

/**
 * The pipelines are plain data; these tests check their shape and, with a small interpreter
 * of exactly the stages and operators they use (MongoDB semantics for those), what they order.
 */

type Doc = Record<string, unknown>;

function value(expr: unknown, doc: Doc): unknown {
  if (typeof expr === 'string' && expr.startsWith('$')) return doc[expr.slice(1)];
  if (typeof expr !== 'object' || expr === null || expr instanceof RegExp || expr instanceof Types.ObjectId) return expr;
  const [op, raw] = Object.entries(expr)[0]! as [string, unknown[]];
  // Like the server, $cond evaluates only the branch it takes.
  if (op === '$cond') return value(raw[0], doc) ? value(raw[1], doc) : value(raw[2], doc);
  const nums = raw.map((a) => value(a, doc)) as number[];
  switch (op) {
    case '$gt':
      return nums[0]! > nums[1]!;
    case '$add':
      return nums.reduce((a, b) => a + b, 0);
    case '$divide':
      if (nums[1] === 0) throw new Error('$divide by zero');
      return nums[0]! / nums[1]!;
    default:
      throw new Error(`operator ${op} not modelled`);
  }
}

function matches(doc: Doc, filter: Doc): boolean {
  return Object.entries(filter).every(([field, want]) => {
    const have = doc[field];
    if (want instanceof RegExp) return typeof have === 'string' && want.test(have);
    if (want instanceof Types.ObjectId) return have instanceof Types.ObjectId && want.equals(have);
    return have === want;
  });
}

function compare(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function run(docs: Doc[], pipeline: object[]): Doc[] {
  let rows = docs.map((d) => ({ ...d }));
  for (const stage of pipeline) {
    const [name, spec] = Object.entries(stage)[0]! as [string, Doc & number];
    if (name === '$match') rows = rows.filter((r) => matches(r, spec));
    else if (name === '$addFields') rows = rows.map((r) => ({ ...r, ...Object.fromEntries(Object.entries(spec).map(([k, e]) => [k, value(e, r)])) }));
    else if (name === '$sort') rows = [...rows].sort((a, b) => Object.entries(spec).reduce((acc, [k, dir]) => acc || (dir as number) * compare(a[k], b[k]), 0));
    else if (name === '$skip') rows = rows.slice(spec);
    else if (name === '$limit') rows = rows.slice(0, spec);
    else if (name === '$project') rows = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !(k in spec))));
    else if (name === '$group') {
      const groups = new Map<unknown, Doc>();
      for (const r of rows) {
        const key = value(spec._id, r);
        const mapKey = key instanceof Types.ObjectId ? key.toHexString() : key;
        const group = groups.get(mapKey) ?? { _id: key };
        for (const [field, acc] of Object.entries(spec).filter(([k]) => k !== '_id')) {
          group[field] = ((group[field] as number) ?? 0) + (value((acc as { $sum: unknown }).$sum, r) as number);
        }
        groups.set(mapKey, group);
      }
      rows = [...groups.values()];
    } else throw new Error(`stage ${name} not modelled`);
  }
  return rows;
}

const communityId = new Types.ObjectId();
const courseDoc = (number: number, ratingCount: number, ratingSum: number, extra: Doc = {}): Doc => ({
  _id: new Types.ObjectId(),
  communityId,
  number,
  ratingCount,
  ratingSum,
  archived: false,
  createdAt: new Date(Date.UTC(2026, 0, number)),
  searchText: `course ${number}`,
  ...extra,
});

describe('MongoDB pipelines: course pages', () => {
  it('given the contract example, when sorted top, then the order matches the Bayesian ranking with unrated last', () => {
    const docs = [courseDoc(1, 1, 3, { title: 'Rust 101' }), courseDoc(2, 2, 10, { title: 'Go 101' }), courseDoc(3, 0, 0, { title: 'Zig' })];
    const pipeline = coursePagePipeline(courseListFilter(communityId, {}), 'top', { mean: 13 / 3, weight: 5 }, 0, 10);
    const page = run(docs, pipeline);
    expect(page.map((d) => d.title)).toEqual(['Go 101', 'Rust 101', 'Zig']);
    const ranked = rankCourses(docs.map((d) => ({ number: d.number as number, ratingCount: d.ratingCount as number, ratingSum: d.ratingSum as number })));
    expect(page.slice(0, ranked.length).map((d) => d.number)).toEqual(ranked.map((r) => r.item.number));
    // The sort keys are helpers only: they never reach the caller.
    expect(Object.keys(page[0]!)).not.toContain('_weighted');
    expect(Object.keys(page[0]!)).not.toContain('_unrated');
  });

  it('given any courses and prior, when sorted top and paged, then rated come first by weighted rating, ties by more ratings then number', () => {
    const course = fc.record({ ratingCount: fc.integer({ min: 0, max: 30 }), stars: fc.double({ min: 1, max: 5, noNaN: true }) });
    fc.assert(
      fc.property(fc.array(course, { maxLength: 25 }), fc.integer({ min: 0, max: 20 }), fc.double({ min: 0, max: 5, noNaN: true }), fc.nat(30), fc.integer({ min: 1, max: 30 }), (courses, weight, mean, offset, limit) => {
        const docs = courses.map((c, i) => courseDoc(i + 1, c.ratingCount, Math.round(c.ratingCount * c.stars)));
        const weighted = (d: Doc) => ((d.ratingSum as number) + weight * mean) / ((d.ratingCount as number) + weight);
        const expected = [...docs]
          .sort((a, b) => {
            const ra = (a.ratingCount as number) > 0;
            const rb = (b.ratingCount as number) > 0;
            if (ra !== rb) return ra ? -1 : 1;
            if (ra && weighted(a) !== weighted(b)) return weighted(b) - weighted(a);
            return (b.ratingCount as number) - (a.ratingCount as number) || (a.number as number) - (b.number as number);
          })
          .slice(offset, offset + limit);
        const page = run(docs, coursePagePipeline(courseListFilter(communityId, {}), 'top', { mean, weight }, offset, limit));
        expect(page.map((d) => d.number)).toEqual(expected.map((d) => d.number));
      }),
      { numRuns: 200 },
    );
  });

  it('given number and new sorts, when run, then they order by number and by creation time, newest first', () => {
    const docs = [courseDoc(2, 0, 0), courseDoc(1, 0, 0), courseDoc(3, 0, 0, { createdAt: new Date(Date.UTC(2025, 0, 1)) })];
    const filter = courseListFilter(communityId, {});
    expect(run(docs, coursePagePipeline(filter, 'number', undefined, 0, 10)).map((d) => d.number)).toEqual([1, 2, 3]);
    expect(run(docs, coursePagePipeline(filter, 'new', undefined, 0, 10)).map((d) => d.number)).toEqual([2, 1, 3]);
    expect(courseSortStages('number')).toEqual([{ $sort: { number: 1 } }]);
  });

  it('given a search and archived courses, when the page pipeline runs, then $match comes first and filters them', () => {
    const docs = [courseDoc(1, 0, 0, { searchText: 'rust\nsystems' }), courseDoc(2, 0, 0, { searchText: 'go\nsystems', archived: true }), courseDoc(3, 0, 0, { searchText: 'zig' })];
    const pipeline = coursePagePipeline(courseListFilter(communityId, { text: 'SYSTEMS' }), 'number', undefined, 0, 10);
    expect(Object.keys(pipeline[0]!)).toEqual(['$match']);
    expect(run(docs, pipeline).map((d) => d.number)).toEqual([1]);
  });

  it('given a prior of weight 0, when an unrated course is ranked, then nothing divides by zero', () => {
    const docs = [courseDoc(1, 0, 0), courseDoc(2, 1, 5)];
    expect(run(docs, coursePagePipeline(courseListFilter(communityId, {}), 'top', { mean: 0, weight: 0 }, 0, 10)).map((d) => d.number)).toEqual([2, 1]);
  });

  it('given user text that starts with $, when it is searched for, then it appears only inside the $match pattern', () => {
    const pipeline = coursePagePipeline(courseListFilter(communityId, { text: '$ratingSum' }), 'top', { mean: 4, weight: 5 }, 0, 10);
    const [match, ...rest] = pipeline;
    expect((match as { $match: { searchText: RegExp } }).$match.searchText.source).toBe('\\$ratingsum');
    expect(JSON.stringify(rest)).not.toContain('ratingsum');
  });

  it('given a bad page or prior, when the pipeline is built, then it is refused instead of sent', () => {
    const filter = courseListFilter(communityId, {});
    expect(() => coursePagePipeline(filter, 'number', undefined, 0, 0)).toThrow(RangeError);
    expect(() => coursePagePipeline(filter, 'number', undefined, -1, 5)).toThrow(RangeError);
    expect(() => coursePagePipeline(filter, 'top', { mean: Number.NaN, weight: 5 }, 0, 5)).toThrow(RangeError);
    expect(() => coursePagePipeline(filter, 'top', { mean: 4, weight: Number.POSITIVE_INFINITY }, 0, 5)).toThrow(RangeError);
  });
});

describe('MongoDB pipelines: histogram and recount', () => {
  const courseId = new Types.ObjectId();
  const otherCourse = new Types.ObjectId();
  const rating = (stars: number, course = courseId, community = communityId): Doc => ({ communityId: community, courseId: course, memberId: new Types.ObjectId(), stars });

  it('given ratings of several courses and communities, when the histogram pipeline runs, then it counts one course per star', () => {
    const rows = [rating(2), rating(5), rating(5), rating(1, otherCourse), rating(3, courseId, new Types.ObjectId())];
    const counted = run(rows, starHistogramPipeline(communityId, courseId));
    expect(Object.fromEntries(counted.map((r) => [r._id as number, r.n]))).toEqual({ 2: 1, 5: 2 });
    expect(starHistogramPipeline(communityId, courseId)[0]).toEqual({ $match: { communityId, courseId } });
  });

  it('given ratings and enrollments, when the recount pipelines run, then they total per course within the community', () => {
    const ratings = [rating(4), rating(2), rating(5, otherCourse), rating(1, courseId, new Types.ObjectId())];
    const totals = run(ratings, ratingTotalsPipeline(communityId));
    expect(totals.map((t) => [(t._id as Types.ObjectId).toHexString(), t.count, t.sum]).sort()).toEqual(
      [
        [courseId.toHexString(), 2, 6],
        [otherCourse.toHexString(), 1, 5],
      ].sort(),
    );
    const enrolled = run([rating(0), rating(0), rating(0, otherCourse)], enrollmentTotalsPipeline(communityId));
    expect(enrolled.map((t) => [(t._id as Types.ObjectId).toHexString(), t.count]).sort()).toEqual(
      [
        [courseId.toHexString(), 2],
        [otherCourse.toHexString(), 1],
      ].sort(),
    );
  });
});
