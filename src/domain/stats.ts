import { addDays, type CourseDay, type DailySnapshot } from './history.ts';

/** What /stats, its chart and the dashboard show, computed once from the daily snapshots. */
export interface StatsData {
  days: number;
  /** The window's snapshots' days, oldest first. */
  dates: string[];
  score: number[];
  satisfaction: number[];
  coverage: number[];
  /** Weeks ending on the last snapshot's day, oldest first: new enrollments and ratings (net) in each. */
  weeks: { endsOn: string; enrollments: number; ratings: number }[];
  /** The latest snapshot's courses by Bayesian rank (unrated last): the funnel enrolled → rated. */
  funnel: FunnelRow[];
  /** The courses whose weighted rating moved most over the window, largest change first. */
  movers: Mover[];
  latest: DailySnapshot | undefined;
  first: DailySnapshot | undefined;
}

export interface FunnelRow extends CourseDay {
  /** 1 = best weighted rating; null while unrated. */
  rank: number | null;
  /** Share of enrollees who rated, 0..1 (0 with no enrollees). */
  ratedShare: number;
}

export interface Mover {
  number: number;
  title: string;
  from: number;
  to: number;
  change: number;
}

export const STATS_PERIODS = [30, 90, 365] as const;
const MOVERS = 3;

/** Turns snapshots (oldest first) into the figures of a /stats window of `days` ending `today`. */
export function computeStats(snapshots: readonly DailySnapshot[], days: number, today: string): StatsData {
  const from = addDays(today, -(days - 1));
  const window = snapshots.filter((s) => s.day >= from && s.day <= today);
  const latest = window.at(-1);
  const first = window[0];
  return {
    days,
    dates: window.map((s) => s.day),
    score: window.map((s) => s.score),
    satisfaction: window.map((s) => s.satisfaction),
    coverage: window.map((s) => s.coverage),
    weeks: weekly(window),
    funnel: latest ? funnel(latest.courses) : [],
    movers: first && latest ? movers(first.courses, latest.courses) : [],
    latest,
    first,
  };
}

/** Net new enrollments and ratings per 7-day block, counted back from the newest snapshot. */
function weekly(window: readonly DailySnapshot[]): StatsData['weeks'] {
  const latest = window.at(-1);
  if (!latest) return [];
  const weeks: StatsData['weeks'] = [];
  let end = latest;
  for (;;) {
    const startDay = addDays(end.day, -7);
    // The last snapshot at or before the day the week started from (or the oldest one).
    const before = [...window].reverse().find((s) => s.day <= startDay);
    const base = before ?? window[0]!;
    if (base === end) break;
    weeks.unshift({ endsOn: end.day, enrollments: Math.max(0, end.enrollmentCount - base.enrollmentCount), ratings: Math.max(0, end.ratingCount - base.ratingCount) });
    if (!before) break;
    end = before;
  }
  return weeks;
}

function funnel(courses: readonly CourseDay[]): FunnelRow[] {
  const ranked = [...courses].filter((c) => c.bayesian !== null).sort((a, b) => b.bayesian! - a.bayesian! || b.ratings - a.ratings || a.number - b.number);
  const rank = new Map(ranked.map((c, i) => [c.courseId, i + 1]));
  return [...courses]
    .map((c) => ({ ...c, rank: rank.get(c.courseId) ?? null, ratedShare: c.enrolled > 0 ? Math.min(1, c.ratings / c.enrolled) : 0 }))
    .sort((a, b) => (a.rank ?? Infinity) - (b.rank ?? Infinity) || a.number - b.number);
}

function movers(before: readonly CourseDay[], after: readonly CourseDay[]): Mover[] {
  const then = new Map(before.map((c) => [c.courseId, c]));
  const out: Mover[] = [];
  for (const course of after) {
    const old = then.get(course.courseId);
    if (!old || old.bayesian === null || course.bayesian === null) continue;
    const change = course.bayesian - old.bayesian;
    if (Math.abs(change) < 0.005) continue;
    out.push({ number: course.number, title: course.title, from: old.bayesian, to: course.bayesian, change });
  }
  return out.sort((a, b) => Math.abs(b.change) - Math.abs(a.change) || a.number - b.number).slice(0, MOVERS);
}

const BARS = '▁▂▃▄▅▆▇█';

/** A row of Unicode bars for a series (flat series sit in the middle), for text surfaces. */
export function sparkline(values: readonly number[], width = 30): string {
  if (values.length === 0) return '';
  const step = values.length > width ? values.length / width : 1;
  const sampled = values.length > width ? Array.from({ length: width }, (_, i) => values[Math.min(values.length - 1, Math.round(i * step))]!) : values;
  const min = Math.min(...sampled);
  const max = Math.max(...sampled);
  if (max - min < 1e-9) return BARS[3]!.repeat(sampled.length);
  return sampled.map((v) => BARS[Math.round(((v - min) / (max - min)) * (BARS.length - 1))]!).join('');
}
