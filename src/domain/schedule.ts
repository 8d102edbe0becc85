import cronParser from 'cron-parser';
import type { Community } from './model.ts';

/** The period a preview covers when no schedule says otherwise. */
const DEFAULT_PERIOD_MS = 7 * 24 * 60 * 60 * 1000;
/** Digests closer together than this would flood a channel. */
export const MIN_DIGEST_INTERVAL_MS = 60 * 60 * 1000;

/**
 * The canonical IANA name of a time zone (`asia/shanghai` → `Asia/Shanghai`), or null when
 * neither Intl nor the cron library knows it.
 */
export function canonicalTimeZone(name: string): string | null {
  try {
    const canonical = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
    cronParser.parseExpression('0 0 * * *', { tz: canonical }).next();
    return canonical;
  } catch {
    return null;
  }
}

export type ScheduleCheck = { ok: true; schedule: string } | { ok: false; reason: 'invalid' | 'too-frequent' };

/**
 * A digest schedule must be five cron fields (minute hour day month weekday), as BullMQ reads
 * them with the same library, and leave at least an hour between posts.
 */
export function checkSchedule(raw: string, timeZone: string): ScheduleCheck {
  const schedule = raw.trim().split(/\s+/).join(' ');
  if (schedule.split(' ').length !== 5) return { ok: false, reason: 'invalid' };
  let runs: Date[];
  try {
    runs = nextRuns(schedule, timeZone, new Date(), 6);
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  for (let i = 1; i < runs.length; i++) {
    if (runs[i]!.getTime() - runs[i - 1]!.getTime() < MIN_DIGEST_INTERVAL_MS) return { ok: false, reason: 'too-frequent' };
  }
  return { ok: true, schedule };
}

/** The next `count` times the schedule fires after `from`. */
export function nextRuns(schedule: string, timeZone: string, from: Date, count: number): Date[] {
  const interval = cronParser.parseExpression(schedule, { currentDate: from, tz: timeZone });
  const runs: Date[] = [];
  for (let i = 0; i < count; i++) runs.push(interval.next().toDate());
  return runs;
}

/** The last time the schedule fired strictly before `at`, or null if it cannot say. */
export function previousRun(schedule: string, timeZone: string, at: Date): Date | null {
  try {
    return cronParser.parseExpression(schedule, { currentDate: at, tz: timeZone }).prev().toDate();
  } catch {
    return null;
  }
}

export interface DigestPeriod {
  since: Date;
  until: Date;
}

/** The period a digest posted at `until` covers: since the schedule's previous slot. */
export function digestPeriod(community: Community, until: Date): DigestPeriod {
  const digest = community.settings.digest;
  const since = digest ? previousRun(digest.schedule, digest.timezone, until) : null;
  return { since: since ?? new Date(until.getTime() - DEFAULT_PERIOD_MS), until };
}
