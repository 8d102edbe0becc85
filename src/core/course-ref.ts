import type { Course } from '../domain/model.ts';
import { UserError, UserErrorCode, WriteRefusedError } from '../domain/errors.ts';
import type { CourseStore } from '../ports/store/index.ts';
import { courseName } from '../domain/course-name.ts';

const NUMBER_REF = /^#?\s*(\d{1,9})$/;
const MAX_CANDIDATES = 5;

export interface ResolveOptions {
  /** Archived courses can still be named (to unarchive, unenroll or see their score). */
  includeArchived?: boolean;
}

/**
 * A course named as members name it: its number (`3`, `#3`), its exact title, or a unique
 * prefix of its title. Ambiguity lists the candidates instead of guessing.
 */
export async function resolveCourse(store: CourseStore, communityId: string, ref: string, opts: ResolveOptions = {}): Promise<Course> {
  const text = ref.normalize('NFKC').trim();
  const byNumber = NUMBER_REF.exec(text);
  if (byNumber) {
    const course = await store.getCourseByNumber(communityId, Number(byNumber[1]));
    if (course && (opts.includeArchived || !course.archived)) return course;
    if (course?.archived) throw new UserError(UserErrorCode.CourseArchived, { course: courseName(course) });
    throw new UserError(UserErrorCode.CourseNotFound, { ref: text });
  }
  const matches = await store.findCoursesByTitlePrefix(communityId, text, MAX_CANDIDATES + 1, opts.includeArchived);
  const folded = text.toLocaleLowerCase();
  const exact = matches.filter((c) => c.title.normalize('NFKC').toLocaleLowerCase() === folded);
  if (exact.length === 1) return exact[0]!;
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new UserError(UserErrorCode.CourseNotFound, { ref: text });
  const candidates = matches
    .slice(0, MAX_CANDIDATES)
    .map(courseName)
    .join('; ');
  throw new UserError(UserErrorCode.CourseAmbiguous, { ref: text, candidates, more: Math.max(0, matches.length - MAX_CANDIDATES) });
}

/**
 * For `.catch()` on a write about a course the command has just resolved: if the store refuses
 * it because the course was archived or removed in between (a race with a moderator), the
 * member hears that, like any other refusal, instead of "something went wrong".
 */
export function refusedWrite(course: Course): (error: unknown) => never {
  return (error) => {
    if (error instanceof WriteRefusedError && error.reason === 'course-archived') throw new UserError(UserErrorCode.CourseArchived, { course: courseName(course) });
    if (error instanceof WriteRefusedError && error.reason === 'course-not-found') throw new UserError(UserErrorCode.CourseNotFound, { ref: `#${course.number}` });
    throw error;
  };
}
