import type { Course } from '../src/domain/model.ts';
import type { Action } from '../src/domain/reply.ts';
import { averageRating } from '../src/domain/score.ts';
import { clip } from '../src/domain/limits.ts';
import type { Translator } from '../src/core/i18n.ts';

/** `value 10 · ★ 4.20 (5 ratings) · 12 enrolled`. */
export function courseStats(course: Course, i18n: Translator): string {
  const average = averageRating(course);
  const parts = [
    i18n.t('common:course.value', { value: i18n.number(course.value, Number.isInteger(course.value) ? 0 : 2) }),
    average === null
      ? i18n.t('common:course.unrated')
      : i18n.t('common:course.rating', { average: i18n.number(average, 2), count: course.ratingCount }),
    i18n.t('common:course.enrolled', { count: course.enrolledCount }),
  ];
  if (course.archived) parts.push(i18n.t('common:course.archived'));
  return parts.join(' · ');
}

export function courseDetails(course: Course, i18n: Translator, descriptionLength = 160): string[] {
  const lines = [courseStats(course, i18n)];
  if (course.description) lines.push(clip(course.description, descriptionLength));
  if (course.tags.length > 0) lines.push(i18n.t('common:course.tags', { tags: course.tags.join(', ') }));
  if (course.startsAt) lines.push(i18n.t('common:course.starts', { when: i18n.dateTime(course.startsAt) }));
  if (course.url) lines.push(course.url);
  return lines;
}

/** Enroll or Unenroll, whichever applies. */
export function enrollmentAction(course: Course, enrolled: boolean, i18n: Translator): Action {
  return enrolled
    ? { label: i18n.t('common:action.unenroll'), style: 'secondary', invoke: { command: 'unenroll', options: { course: String(course.number) } } }
    : { label: i18n.t('common:action.enroll'), style: 'primary', invoke: { command: 'enroll', options: { course: String(course.number) } } };
}

/** A row of five buttons that rate the course 1 to 5 stars. */
export function ratingRow(course: Course, i18n: Translator): Action[] {
  return [1, 2, 3, 4, 5].map((stars) => ({
    label: i18n.t('common:action.rate', { stars }),
    style: 'secondary' as const,
    invoke: { command: 'rate', options: { course: String(course.number), stars } },
  }));
}
