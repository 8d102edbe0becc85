import { clip } from '../domain/limits.ts';
import type { Course } from '../domain/model.ts';
import type { CourseStore } from '../ports/store/index.ts';
import { courseName } from '../domain/course-name.ts';

export interface Suggestion {
  /** What the member sees (Discord allows 100 characters). */
  name: string;
  /** What the option receives: the course number. */
  value: string;
}

const collators = new Map<string, Intl.Collator>();

/** Title order as a reader of `locale` expects it (pinyin order for zh-CN). */
export function titleCollator(locale: string): Intl.Collator {
  let collator = collators.get(locale);
  if (!collator) {
    collator = new Intl.Collator(locale, { sensitivity: 'base', numeric: true });
    collators.set(locale, collator);
  }
  return collator;
}

/**
 * Courses matching what the member has typed so far: the course with that number first, then
 * titles starting with it in the member's collation order (an empty prefix lists by number).
 */
export async function suggestCourses(store: CourseStore, communityId: string, partial: string, limit: number, locale = 'en'): Promise<Suggestion[]> {
  const text = partial.trim().replace(/^#/, '');
  const found: Course[] = [];
  if (/^\d{1,9}$/.test(text)) {
    const course = await store.getCourseByNumber(communityId, Number(text));
    if (course && !course.archived) found.push(course);
  }
  const rest = text === ''
    ? (await store.listCourses(communityId, { sort: 'number', offset: 0, limit })).items
    : (await store.findCoursesByTitlePrefix(communityId, text, limit)).sort(
        (a, b) => titleCollator(locale).compare(a.title, b.title) || a.number - b.number,
      );
  for (const course of rest) {
    if (found.length >= limit) break;
    if (!found.some((c) => c.id === course.id)) found.push(course);
  }
  return found.map((course) => ({ name: clip(courseName(course), 100), value: String(course.number) }));
}
