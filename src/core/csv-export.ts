import { stringify } from 'csv-stringify/sync';
import type { ReplyFile } from '../domain/reply.ts';
import { averageRating, bayesianRating, communityMean } from '../domain/score.ts';
import type { CourseStore, HistoryStore, RowPage } from '../ports/store/index.ts';

/** Rows read per store call: a page of CSV at a time, whatever the community's size. */
const PAGE = 1000;
const BOM = '\ufeff';
const CSV = 'text/csv; charset=utf-8';

/**
 * A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage return
 * before one) gets a leading apostrophe, so `=HYPERLINK(...)` in a review shows as text
 * (OWASP's advice on CSV injection). Only text members typed goes through it; numbers we wrote
 * stay numbers.
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

type Cell = string | number | null;

/**
 * A CSV file streamed page by page: UTF-8 with a BOM (so spreadsheet programs read Chinese
 * right), RFC 4180 quoting and CRLF line ends from csv-stringify.
 */
function csvFile(name: string, header: readonly string[], pages: () => AsyncIterable<Cell[][]>): ReplyFile {
  const encoder = new TextEncoder();
  return {
    name,
    contentType: CSV,
    content: async function* () {
      yield encoder.encode(BOM + stringify([header as string[]], { record_delimiter: 'windows' }));
      for await (const rows of pages()) {
        if (rows.length > 0) yield encoder.encode(stringify(rows, { record_delimiter: 'windows' }));
      }
    },
  };
}

async function* paged<T>(read: (after: string | undefined) => Promise<RowPage<T>>): AsyncIterable<T[]> {
  let after: string | undefined;
  do {
    const page = await read(after);
    yield page.rows;
    after = page.next;
  } while (after);
}

const iso = (at: Date | null): string => (at ? at.toISOString() : '');
const text = (value: string | null): string => (value === null ? '' : neutralizeFormula(value));
const fixed = (value: number | null, digits: number): Cell => (value === null ? '' : Number(value.toFixed(digits)));

/** The three files of `/stats export` and the dashboard's downloads, for one community. */
export function exportFiles(store: CourseStore & HistoryStore, communityId: string, priorWeight: number): { courses: ReplyFile; enrollments: ReplyFile; ratings: ReplyFile } {
  return {
    courses: csvFile('courses.csv', ['number', 'title', 'value', 'archived', 'enrolled', 'ratings', 'mean', 'bayesian', 'tags', 'url', 'created_at'], async function* () {
      const mean = communityMean([await store.activeRatingTotals(communityId)]);
      for (let offset = 0; ; offset += PAGE) {
        const page = await store.listCourses(communityId, { sort: 'number', includeArchived: true, offset, limit: PAGE });
        yield page.items.map((c) => [
          c.number,
          text(c.title),
          c.value,
          c.archived ? 'yes' : 'no',
          c.enrolledCount,
          c.ratingCount,
          fixed(averageRating(c), 3),
          fixed(bayesianRating(c, mean, priorWeight), 3),
          text(c.tags.join(',')),
          text(c.url),
          iso(c.createdAt),
        ]);
        if (offset + PAGE >= page.total) return;
      }
    }),
    enrollments: csvFile('enrollments.csv', ['member_name', 'member_platform_id', 'course_number', 'course_title', 'enrolled_at'], () =>
      mapPages(paged((after) => store.listEnrollmentRows(communityId, after, PAGE)), (r) => [text(r.memberName), text(r.memberExternalId), r.courseNumber, text(r.courseTitle), iso(r.at)]),
    ),
    ratings: csvFile('ratings.csv', ['member_name', 'member_platform_id', 'course_number', 'course_title', 'stars', 'review', 'rated_at'], () =>
      mapPages(paged((after) => store.listRatingRows(communityId, after, PAGE)), (r) => [
        text(r.memberName),
        text(r.memberExternalId),
        r.courseNumber,
        text(r.courseTitle),
        r.stars,
        text(r.review),
        iso(r.at),
      ]),
    ),
  };
}

async function* mapPages<T>(pages: AsyncIterable<T[]>, row: (item: T) => Cell[]): AsyncIterable<Cell[][]> {
  for await (const page of pages) yield page.map(row);
}
