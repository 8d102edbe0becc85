import fc from 'fast-check';
import { Aggregator } from 'mingo';
import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { courseListFilter } from '../../src/infra/mongo/filters.ts';
import {
  activeRatingTotalsPipeline,
  coursePagePipeline,
  courseSortStages,
  enrollmentTotalsPipeline,
  ratingTotalsPipeline,
  starHistogramPipeline,
  type CoursePageResult,
} from '../../src/infra/mongo/pipelines.ts';
import type { CourseRow } from '../../src/infra/sqlite/rows.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import type { CourseQuery, CourseSort } from '../../src/ports/store/index.ts';

/**
 * Every aggregation pipeline of the MongoDB store, evaluated by mingo (an independent
 * implementation of MongoDB's query language) on a copy of data the SQLite store holds, and
 * compared with the SQLite store's own answers on that data.
 */

type Doc = Record<string, unknown>;
interface EnrollmentRow {
  community_id: number;
  member_id: number;
  course_id: number;
  enrolled_at: number;
}
interface RatingRow extends Omit<EnrollmentRow, 'enrolled_at'> {
  stars: number;
  review: string | null;
  updated_at: number;
}

/** The SQLite rows as the MongoDB store would hold them; integer ids become ObjectIds. */
interface Mirror {
  communityId: (id: string) => Types.ObjectId;
  courses: Doc[];
  ratings: Doc[];
  enrollments: Doc[];
}

const objectId = (kind: number, id: number | string) => Types.ObjectId.createFromHexString(`${kind.toString(16).padStart(8, '0')}${Number(id).toString(16).padStart(16, '0')}`);

function mirror(store: SqliteStore): Mirror {
  const db = store.database;
  const community = (id: number | string) => objectId(1, id);
  const course = (id: number | string) => objectId(2, id);
  const member = (id: number | string) => objectId(3, id);
  const courses = (db.prepare('SELECT * FROM courses').all() as (CourseRow & { title_fold: string; search_text: string })[]).map((r) => ({
    _id: course(r.id),
    communityId: community(r.community_id),
    number: r.number,
    title: r.title,
    titleFold: r.title_fold,
    searchText: r.search_text,
    description: r.description,
    url: r.url,
    tags: JSON.parse(r.tags) as string[],
    value: r.value,
    startsAt: r.starts_at === null ? null : new Date(r.starts_at),
    archived: r.archived === 1,
    createdAt: new Date(r.created_at),
    ratingCount: r.rating_count,
    ratingSum: r.rating_sum,
    enrolledCount: r.enrolled_count,
  }));
  const ratings = (db.prepare('SELECT * FROM ratings').all() as RatingRow[]).map((r) => ({
    _id: new Types.ObjectId(),
    communityId: community(r.community_id),
    memberId: member(r.member_id),
    courseId: course(r.course_id),
    stars: r.stars,
    review: r.review,
    updatedAt: new Date(r.updated_at),
  }));
  const enrollments = (db.prepare('SELECT * FROM enrollments').all() as EnrollmentRow[]).map((r) => ({
    _id: new Types.ObjectId(),
    communityId: community(r.community_id),
    memberId: member(r.member_id),
    courseId: course(r.course_id),
    enrolledAt: new Date(r.enrolled_at),
  }));
  return { communityId: community, courses, ratings, enrollments };
}

const run = <T = Doc>(docs: Doc[], pipeline: object[]): T[] => new Aggregator(pipeline as Doc[]).run(docs) as T[];

const WORDS = ['Rust', 'rust', 'Go', 'Zig', 'systems', 'Ｒｕｓｔ', 'web', '$ratingSum', 'a.b', '中文'] as const;

interface CatalogCourse {
  title: string;
  description: string;
  tags: string[];
  archived: boolean;
  /** Stars of the members who rate it, member i giving stars[i] (0: no rating). */
  stars: number[];
  enrolled: boolean[];
}

const catalogCourse: fc.Arbitrary<CatalogCourse> = fc.record({
  title: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }).map((w) => w.join(' ')),
  description: fc.constantFrom('', 'ownership and lifetimes', 'systems programming'),
  tags: fc.array(fc.constantFrom('rust', 'web', 'systems'), { maxLength: 2 }),
  archived: fc.boolean(),
  stars: fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 6 }),
  enrolled: fc.array(fc.boolean(), { maxLength: 6 }),
});

/** Two communities: the catalog in the first, a decoy copy of some of it in the second. */
async function seed(courses: CatalogCourse[]): Promise<{ store: SqliteStore; communityId: string; courseIds: string[] }> {
  const store = SqliteStore.open({ path: ':memory:' });
  const [main, decoy] = [await store.upsertCommunity({ platform: 'console', externalId: 'main' }, 'Main'), await store.upsertCommunity({ platform: 'slack', externalId: 'T1' }, 'Decoy')];
  const courseIds: string[] = [];
  for (const community of [main, decoy]) {
    const members = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => store.upsertMember(community.id, `m${i}`, `M${i}`)));
    for (const [index, c] of courses.entries()) {
      if (community === decoy && index % 2 === 1) continue;
      const created = await store.createCourse(community.id, { title: c.title, description: c.description, url: null, tags: c.tags, value: 1, startsAt: null });
      if (community === main) courseIds.push(created.id);
      for (const [i, enrolled] of c.enrolled.entries()) if (enrolled) await store.enroll(community.id, members[i]!.id, created.id, new Date(1_000 * i));
      for (const [i, stars] of c.stars.entries()) if (stars > 0) await store.rate(community.id, members[i]!.id, created.id, stars, null, new Date(1_000 * i));
      if (c.archived) await store.setCourseArchived(community.id, created.id, true);
    }
  }
  return { store, communityId: main.id, courseIds };
}

const query: fc.Arbitrary<CourseQuery> = fc.record({
  text: fc.option(fc.constantFrom('rust', 'RUST', 'sys', '$ratingsum', 'a.b', '中', 'nothing'), { nil: undefined }),
  includeArchived: fc.boolean(),
  sort: fc.constantFrom<CourseSort>('top', 'new', 'number'),
  prior: fc.record({ mean: fc.double({ min: 0, max: 5, noNaN: true }), weight: fc.integer({ min: 0, max: 10 }) }),
  offset: fc.nat(12),
  limit: fc.integer({ min: 1, max: 8 }),
});

describe('MongoDB pipelines on mingo, against the SQLite store', () => {
  it('given any catalog and query, when paged on mingo, then it equals SQLite listCourses', async () => {
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(catalogCourse, { maxLength: 12 }), fc.array(query, { minLength: 1, maxLength: 5 }), async (catalog, queries) => {
        const { store, communityId } = await seed(catalog);
        const data = mirror(store);
        for (const q of queries) {
          const expected = await store.listCourses(communityId, q);
          const pipeline = coursePagePipeline(courseListFilter(data.communityId(communityId), q), q.sort, q.prior, q.offset, q.limit);
          const [page] = run<CoursePageResult<Doc>>(data.courses, pipeline);
          expect(page?.total[0]?.n ?? 0).toBe(expected.total);
          expect(page?.items.map((d) => d.number)).toEqual(expected.items.map((c) => c.number));
          for (const item of page?.items ?? []) expect(Object.keys(item).filter((k) => k.startsWith('_') && k !== '_id')).toEqual([]);
          compared++;
        }
        await store.close();
      }),
      { numRuns: 60 },
    );
    console.info(`mingo course pages: ${compared} queries compared with SQLite, all equal`);
  });

  it('given weighted-rating ties, when sorted top, then mingo and SQLite break them alike', async () => {
    const same = (stars: number[]): CatalogCourse => ({ title: 'Same', description: '', tags: [], archived: false, stars, enrolled: [] });
    const { store, communityId } = await seed([same([4, 4]), same([4]), same([4, 4]), same([]), same([4]), same([])]);
    const data = mirror(store);
    const q: CourseQuery = { sort: 'top', prior: { mean: 4, weight: 5 }, offset: 0, limit: 10 };
    const [page] = run<CoursePageResult<Doc>>(data.courses, coursePagePipeline(courseListFilter(data.communityId(communityId), q), 'top', q.prior, 0, 10));
    const expected = (await store.listCourses(communityId, q)).items.map((c) => c.number);
    expect(expected).toEqual([1, 3, 2, 5, 4, 6]);
    expect(page?.items.map((d) => d.number)).toEqual(expected);
    await store.close();
  });

  it('given an offset past the end, when a page runs on mingo, then as in SQLite: total kept, no items', async () => {
    const { store, communityId } = await seed([{ title: 'Rust', description: '', tags: [], archived: false, stars: [5], enrolled: [true] }]);
    const data = mirror(store);
    const [page] = run<CoursePageResult<Doc>>(data.courses, coursePagePipeline(courseListFilter(data.communityId(communityId), {}), 'number', undefined, 5, 10));
    expect(await store.listCourses(communityId, { sort: 'number', offset: 5, limit: 10 })).toEqual({ items: [], total: 1 });
    expect(page).toEqual({ total: [{ n: 1 }], items: [] });
    await store.close();
  });

  it('given any ratings, when histogram, recounts and totals run on mingo, then they equal SQLite', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(catalogCourse, { minLength: 1, maxLength: 8 }), async (catalog) => {
        const { store, communityId, courseIds } = await seed(catalog);
        const data = mirror(store);
        const community = data.communityId(communityId);
        const ratingTotals = new Map(run<{ _id: Types.ObjectId; count: number; sum: number }>(data.ratings, ratingTotalsPipeline(community)).map((t) => [t._id.toHexString(), t]));
        const enrolled = new Map(run<{ _id: Types.ObjectId; count: number }>(data.enrollments, enrollmentTotalsPipeline(community)).map((t) => [t._id.toHexString(), t.count]));
        for (const courseId of courseIds) {
          const course = (await store.getCourse(communityId, courseId))!;
          const mongoId = objectId(2, courseId);
          const histogram = [0, 0, 0, 0, 0];
          for (const row of run<{ _id: number; n: number }>(data.ratings, starHistogramPipeline(community, mongoId))) histogram[row._id - 1] = row.n;
          expect(histogram).toEqual(await store.starHistogram(communityId, courseId));
          const totals = ratingTotals.get(mongoId.toHexString());
          expect({ ratingCount: totals?.count ?? 0, ratingSum: totals?.sum ?? 0, enrolledCount: enrolled.get(mongoId.toHexString()) ?? 0 }).toEqual({
            ratingCount: course.ratingCount,
            ratingSum: course.ratingSum,
            enrolledCount: course.enrolledCount,
          });
        }
        const [active] = run<{ ratingCount: number; ratingSum: number }>(data.courses, activeRatingTotalsPipeline(community));
        expect(active ?? { ratingCount: 0, ratingSum: 0 }).toEqual(await store.activeRatingTotals(communityId));
        await store.close();
      }),
      { numRuns: 40 },
    );
  });
});

describe('MongoDB pipelines: what they send', () => {
  const communityId = new Types.ObjectId();

  it('given a search, when the page pipeline is built, then user text is only in the leading $match', () => {
    const pipeline = coursePagePipeline(courseListFilter(communityId, { text: '$ratingSum' }), 'top', { mean: 4, weight: 5 }, 0, 10);
    const [match, ...rest] = pipeline;
    expect(Object.keys(match!)).toEqual(['$match']);
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

  it('given no limit, when the page pipeline is built, then it asks for the total only', () => {
    expect(coursePagePipeline(courseListFilter(communityId, {}), 'number', undefined, 0, null)).toEqual([{ $match: { communityId, archived: false } }, { $facet: { total: [{ $count: 'n' }] } }]);
    expect(courseSortStages('number')).toEqual([{ $sort: { number: 1 } }]);
  });
});
