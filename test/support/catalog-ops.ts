import fc from 'fast-check';
import type { CommunityStore, CourseQuery, CourseStore, EnrollmentStore, NewCourse } from '../../src/ports/store/index.ts';

/**
 * The random steps the in-memory catalog tests replay against two cached stores and an uncached
 * reference (test/unit/catalog-cache.test.ts for SQLite, test/unit/mongo-catalog.test.ts for
 * MongoDB): the catalog writes and reads every store takes. Each test adds the steps only its
 * store has (a recompute, SQL or drift behind the store's back, erasing a member) and its own
 * weights.
 */

/** Which of the two cached stores takes a step. */
export type Writer = 'a' | 'c';

export type CatalogOp =
  | { kind: 'create'; by: Writer; community: number; title: string; tag: string }
  | { kind: 'update'; by: Writer; community: number; course: number; title?: string; description?: string; value?: number }
  | { kind: 'archive'; by: Writer; community: number; course: number; archived: boolean }
  | { kind: 'enroll' | 'unenroll'; by: Writer; community: number; member: number; course: number }
  | { kind: 'rate'; by: Writer; community: number; member: number; course: number; stars: number }
  | { kind: 'read'; by: Writer; community: number; course: number; query: CourseQuery };

/** The space a test's steps are drawn from; course numbers above those that exist name none. */
export interface CatalogSpace {
  writer: fc.Arbitrary<Writer>;
  communities: number;
  members: number;
  /** The highest course number a step names. */
  courses: number;
  words: readonly string[];
  tags: readonly string[];
  query: fc.Arbitrary<CourseQuery>;
}

type CatalogKind = 'create' | 'update' | 'archive' | 'enrollment' | 'rate' | 'read';

/**
 * The arbitraries of one space: its indices, and `op`: any catalog step, each kind
 * `weights[kind]` times as likely as one of the test's own kinds (default 1), or one of those.
 */
export function catalogOps(space: CatalogSpace) {
  const { writer, query } = space;
  const community = fc.nat({ max: space.communities - 1 });
  const course = fc.integer({ min: 1, max: space.courses });
  const member = fc.nat({ max: space.members - 1 });
  const kinds = {
    create: fc.record({ kind: fc.constant('create' as const), by: writer, community, title: fc.constantFrom(...space.words), tag: fc.constantFrom(...space.tags) }),
    update: fc.record(
      { kind: fc.constant('update' as const), by: writer, community, course, title: fc.constantFrom(...space.words), description: fc.constantFrom('deep dive', 'intro'), value: fc.integer({ min: 1, max: 9 }) },
      { requiredKeys: ['kind', 'by', 'community', 'course'] },
    ),
    archive: fc.record({ kind: fc.constant('archive' as const), by: writer, community, course, archived: fc.boolean() }),
    enrollment: fc.record({ kind: fc.constantFrom('enroll' as const, 'unenroll' as const), by: writer, community, member, course }),
    rate: fc.record({ kind: fc.constant('rate' as const), by: writer, community, member, course, stars: fc.integer({ min: 1, max: 5 }) }),
    read: fc.record({ kind: fc.constant('read' as const), by: writer, community, course, query }),
  } satisfies Record<CatalogKind, fc.Arbitrary<CatalogOp>>;
  const op = <Own extends fc.Arbitrary<unknown>[]>(weights: Partial<Record<CatalogKind, number>>, ...own: Own): fc.Arbitrary<CatalogOp | fc.OneOfValue<Own>> => {
    const weighted: fc.WeightedArbitrary<CatalogOp | fc.OneOfValue<Own>>[] = [
      ...(Object.keys(kinds) as CatalogKind[]).map((kind) => ({ arbitrary: kinds[kind], weight: weights[kind] ?? 1 })),
      ...own.map((arbitrary) => ({ arbitrary: arbitrary as fc.Arbitrary<fc.OneOfValue<Own>>, weight: 1 })),
    ];
    return fc.oneof(...weighted);
  };
  return { writer, community, course, member, op };
}

/** The course queries a space reads with: its search texts, priors, and offsets and limits in and out of range. */
export function courseQueries(shape: {
  texts: readonly string[];
  mean: fc.Arbitrary<number>;
  weights: readonly number[];
  maxOffset: number;
  oddOffsets: readonly number[];
  maxLimit: number;
}): fc.Arbitrary<CourseQuery> {
  return fc.record(
    {
      text: fc.oneof(fc.constantFrom(...shape.texts), fc.constant(undefined)),
      sort: fc.constantFrom('number' as const, 'new' as const, 'top' as const),
      prior: fc.record({ mean: shape.mean, weight: fc.constantFrom(...shape.weights) }),
      includeArchived: fc.boolean(),
      offset: fc.oneof(fc.integer({ min: 0, max: shape.maxOffset }), fc.constantFrom(...shape.oddOffsets)),
      limit: fc.oneof(fc.integer({ min: 1, max: shape.maxLimit }), fc.constant(0)),
    },
    { requiredKeys: ['sort', 'offset', 'limit'] },
  );
}

/** The course every seeded and created course is: one tag, value 1. */
export const catalogCourse = (title: string, tag = 'web'): NewCourse => ({ title, description: 'intro', url: null, tags: [tag], value: 1, startsAt: null });

/** A call's answer, or the error it threw: the cached and uncached paths must agree on both. */
export async function outcome<T>(run: () => Promise<T>): Promise<{ value: T } | { error: string }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Takes one catalog step on `store` in community `cid`: `courseId` is the course the step's number
 * names (or an id no course has), `members` the community's member ids. A refused write is part of
 * the step, not a failure.
 */
export async function writeCatalogOp(store: CourseStore & EnrollmentStore, step: CatalogOp, cid: string, courseId: string, members: readonly string[]): Promise<void> {
  switch (step.kind) {
    case 'create':
      await store.createCourse(cid, catalogCourse(step.title, step.tag));
      break;
    case 'update':
      await outcome(() => store.updateCourse(cid, courseId, { title: step.title, description: step.description, value: step.value }));
      break;
    case 'archive':
      await outcome(() => store.setCourseArchived(cid, courseId, step.archived));
      break;
    case 'enroll':
      await outcome(() => store.enroll(cid, members[step.member]!, courseId, new Date()));
      break;
    case 'unenroll':
      await outcome(() => store.unenroll(cid, members[step.member]!, courseId));
      break;
    case 'rate':
      await outcome(() => store.rate(cid, members[step.member]!, courseId, step.stars, null, new Date()));
      break;
    case 'read':
      break;
  }
}

/** Seeds through the reference store: communities `c0…`, each with members `m0…` and the given courses (their ids). */
export async function seedCatalogs(plain: CommunityStore & CourseStore, space: Pick<CatalogSpace, 'communities' | 'members'>, titles: readonly string[]) {
  const communities: string[] = [];
  const members: string[][] = [];
  const courses: string[][] = [];
  for (let i = 0; i < space.communities; i++) {
    const c = await plain.upsertCommunity({ platform: 'console', externalId: `c${i}` }, `C${i}`);
    communities.push(c.id);
    const ids: string[] = [];
    for (let m = 0; m < space.members; m++) ids.push((await plain.upsertMember(c.id, `m${m}`, `M${m}`)).id);
    members.push(ids);
    const made: string[] = [];
    for (const title of titles) made.push((await plain.createCourse(c.id, catalogCourse(title))).id);
    courses.push(made);
  }
  return { communities, members, courses };
}
