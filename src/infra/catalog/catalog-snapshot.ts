import type { Course } from '../../domain/model.ts';
import type { CoursePage, CourseQuery } from '../../ports/store/index.ts';
import { foldText } from '../text-fold.ts';

/** A lone surrogate: stores write it as U+FFFD, so a search for it cannot be answered from memory. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** A course as the catalog holds it: the course and the folded text /courses search matches. */
export interface CatalogEntry {
  course: Course;
  /** The stored search text (title, description and tags, folded). */
  search: string;
}

/**
 * One community's catalog in memory: every course, archived too, in number order. It answers
 * the catalog reads the store would answer from its rows, in the same order with the same
 * ties (see `page`), and changes only through `put` (the store's own writes, re-read from the
 * store) or by being replaced. Orders and totals are derived lazily and dropped on a change.
 *
 * Courses handed out are frozen, shared objects: a caller that mutated one would change what
 * the next request sees, so mutation throws instead.
 */
export class CatalogSnapshot {
  private readonly entries: CatalogEntry[];
  private readonly byId = new Map<string, CatalogEntry>();
  private readonly byNumber = new Map<number, CatalogEntry>();
  private derived: Derived | undefined;
  /** Rough bytes held, for the cache's memory bound (the bench measures the real figure). */
  bytes: number;

  constructor(entries: readonly CatalogEntry[]) {
    this.entries = entries.map(freeze).sort((a, b) => a.course.number - b.course.number);
    for (const entry of this.entries) this.index(entry);
    // The maps and arrays around the entries, per course.
    this.bytes = 400 + this.entries.reduce((sum, entry) => sum + entryBytes(entry), 0);
  }

  get size(): number {
    return this.entries.length;
  }

  getById(courseId: string): Course | null {
    return this.byId.get(courseId)?.course ?? null;
  }

  getByNumber(number: number): Course | null {
    return this.byNumber.get(number)?.course ?? null;
  }

  /** Every active course in number order (a new array; the courses are shared and frozen). */
  activeCourses(): Course[] {
    return this.derive().active.slice();
  }

  activeRatingTotals(): { ratingCount: number; ratingSum: number } {
    const { totals } = this.derive();
    return { ratingCount: totals.ratingCount, ratingSum: totals.ratingSum };
  }

  /**
   * `listCourses` as the stores answer it:
   * - active courses unless `includeArchived`; `text` (when not empty) must occur in the folded
   *   search text;
   * - `number`: number ascending; `new`: created newest first, then higher number; `top`: rated
   *   before unrated, then (S + m·C) / (n + m) descending, then more ratings, then lower number.
   * Undefined for anything outside what the stores define identically (a negative or fractional
   * offset, a limit below 1, a non-finite or negative prior, text that is not well-formed
   * Unicode, an unknown sort): the caller asks the store instead.
   */
  page(query: CourseQuery): CoursePage | undefined {
    const { offset, limit, sort } = query;
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1) return undefined;
    if (sort !== 'number' && sort !== 'new' && sort !== 'top') return undefined;
    const text = query.text ? query.text : '';
    if (typeof text !== 'string' || LONE_SURROGATE.test(text)) return undefined;
    let mean = 0;
    let weight = 0;
    if (sort === 'top') {
      mean = query.prior?.mean ?? 0;
      weight = query.prior?.weight ?? 0;
      if (!Number.isFinite(mean) || !Number.isFinite(weight) || weight < 0) return undefined;
    }
    if (sort === 'top' && this.derive().negativeCounts) return undefined;
    const ordered = this.ordered(sort, mean, weight, Boolean(query.includeArchived));
    if (text === '') {
      return { items: ordered.slice(offset, offset + limit).map((e) => e.course), total: ordered.length };
    }
    const needle = foldText(text);
    const items: Course[] = [];
    let total = 0;
    for (const entry of ordered) {
      if (!entry.search.includes(needle)) continue;
      if (total >= offset && items.length < limit) items.push(entry.course);
      total++;
    }
    return { items, total };
  }

  /** Puts a course's current row in (a new course, or a newer version of one); null removes it. */
  put(courseId: string, entry: CatalogEntry | null): void {
    const old = this.byId.get(courseId);
    if (old) {
      this.bytes -= entryBytes(old);
      this.entries.splice(this.entries.indexOf(old), 1);
      this.byId.delete(courseId);
      this.byNumber.delete(old.course.number);
    }
    if (entry) {
      const frozen = freeze(entry);
      let at = this.entries.length;
      while (at > 0 && this.entries[at - 1]!.course.number > frozen.course.number) at--;
      this.entries.splice(at, 0, frozen);
      this.index(frozen);
      this.bytes += entryBytes(frozen);
    }
    this.derived = undefined;
  }

  private index(entry: CatalogEntry): void {
    this.byId.set(entry.course.id, entry);
    this.byNumber.set(entry.course.number, entry);
  }

  private derive(): Derived {
    if (!this.derived) {
      const active = this.entries.filter((e) => !e.course.archived).map((e) => e.course);
      let ratingCount = 0;
      let ratingSum = 0;
      for (const course of active) {
        ratingCount += course.ratingCount;
        ratingSum += course.ratingSum;
      }
      // Only drifted aggregates go below zero; the stores disagree on how to rank those.
      const negativeCounts = this.entries.some((e) => e.course.ratingCount < 0);
      this.derived = { active, totals: { ratingCount, ratingSum }, orders: new Map(), negativeCounts };
    }
    return this.derived;
  }

  /** The filtered, sorted entries for one sort and prior; the last few are kept until a change. */
  private ordered(sort: 'number' | 'new' | 'top', mean: number, weight: number, includeArchived: boolean): CatalogEntry[] {
    const { orders } = this.derive();
    const key = sort === 'top' ? `top|${mean}|${weight}|${includeArchived}` : `${sort}|${includeArchived}`;
    let list = orders.get(key);
    if (list) return list;
    list = includeArchived ? this.entries.slice() : this.entries.filter((e) => !e.course.archived);
    if (sort === 'new') {
      list.sort((a, b) => b.course.createdAt.getTime() - a.course.createdAt.getTime() || b.course.number - a.course.number);
    } else if (sort === 'top') {
      const priorSum = weight * mean;
      const weighted = new Map<CatalogEntry, number>();
      for (const e of list) {
        if (e.course.ratingCount !== 0) weighted.set(e, (e.course.ratingSum + priorSum) / (e.course.ratingCount + weight));
      }
      list.sort((a, b) => {
        const wa = weighted.get(a);
        const wb = weighted.get(b);
        // Rated first; every unrated course ties on the rating, so the number decides.
        if (wa === undefined || wb === undefined) return (wa === undefined ? 1 : 0) - (wb === undefined ? 1 : 0) || a.course.number - b.course.number;
        return wb - wa || b.course.ratingCount - a.course.ratingCount || a.course.number - b.course.number;
      });
    }
    // The prior changes with every rating, so old orders are rarely asked for again.
    if (orders.size >= 8) orders.clear();
    orders.set(key, list);
    return list;
  }
}

interface Derived {
  active: Course[];
  totals: { ratingCount: number; ratingSum: number };
  orders: Map<string, CatalogEntry[]>;
  negativeCounts: boolean;
}

function freeze(entry: CatalogEntry): CatalogEntry {
  Object.freeze(entry.course.tags);
  Object.freeze(entry.course);
  return Object.freeze(entry);
}

/** Rough heap bytes of an entry: object overheads plus two bytes a UTF-16 unit of its strings. */
export function entryBytes(entry: CatalogEntry): number {
  const c = entry.course;
  let strings = c.id.length + c.communityId.length + c.title.length + c.description.length + (c.url?.length ?? 0) + entry.search.length;
  for (const tag of c.tags) strings += tag.length + 16;
  return 320 + 2 * strings;
}
