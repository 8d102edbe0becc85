import type { Community, Course } from './model.ts';
import { averageRating, bayesianRating, communityMean, communityScore } from './score.ts';

/**
 * One day of a community's history: the score and its factors, the totals behind them and each
 * active course's figures, as the recompute job saw them on its first run that day (in the
 * community's time zone).
 */
export interface DailySnapshot {
  communityId: string;
  /** `YYYY-MM-DD` in the community's time zone: at most one snapshot a day. */
  day: string;
  takenAt: Date;
  score: number;
  satisfaction: number;
  coverage: number;
  memberCount: number;
  /** Ratings over active courses. */
  ratingCount: number;
  /** Enrollments over active courses. */
  enrollmentCount: number;
  activeCourseCount: number;
  courses: CourseDay[];
}

export interface CourseDay {
  courseId: string;
  number: number;
  title: string;
  value: number;
  enrolled: number;
  ratings: number;
  /** Mean stars, null before the first rating. */
  mean: number | null;
  /** The weighted (Bayesian) rating that ranks courses; null before the first rating. */
  bayesian: number | null;
}

/** The community's time zone for days: its digest's, else UTC. */
export function communityTimeZone(community: Pick<Community, 'settings'>): string {
  return community.settings.digest?.timezone ?? 'UTC';
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of an instant in a time zone, as `YYYY-MM-DD`. */
export function dayIn(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(at).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** `YYYY-MM-DD` moved by whole days (calendar arithmetic, no time zone involved). */
export function addDays(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

/** What a day's snapshot keeps of a course. */
export type CourseFigures = Pick<Course, 'id' | 'number' | 'title' | 'value' | 'ratingCount' | 'ratingSum' | 'enrolledCount'>;

/** A snapshot from the community's current figures. */
export function buildDailySnapshot(input: {
  communityId: string;
  day: string;
  takenAt: Date;
  memberCount: number;
  courses: readonly CourseFigures[];
  priorWeight: number;
}): DailySnapshot {
  const score = communityScore(input.memberCount, input.courses);
  const mean = communityMean(input.courses);
  return {
    communityId: input.communityId,
    day: input.day,
    takenAt: input.takenAt,
    score: score.score,
    satisfaction: score.satisfaction,
    coverage: score.coverage,
    memberCount: score.memberCount,
    ratingCount: score.ratingCount,
    enrollmentCount: input.courses.reduce((sum, c) => sum + c.enrolledCount, 0),
    activeCourseCount: input.courses.length,
    courses: input.courses.map((c) => ({
      courseId: c.id,
      number: c.number,
      title: c.title,
      value: c.value,
      enrolled: c.enrolledCount,
      ratings: c.ratingCount,
      mean: averageRating(c),
      bayesian: bayesianRating(c, mean, input.priorWeight),
    })),
  };
}
