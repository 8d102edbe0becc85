import { defaultRepeatStrategy, type RepeatOptions, type RepeatStrategy } from 'bullmq';
import parser from 'cron-parser';

/**
 * The next run of a digest's cron pattern, as BullMQ's default repeat strategy computes it
 * (cron-parser), at a fraction of the cost: cron-parser walks the calendar through luxon in the
 * time zone, ~1.3 ms of CPU an upsert, which made 10,000 digest schedulers take 13 s.
 *
 * The fast path handles the patterns digests use (minute, hour and one of day-of-month or
 * day-of-week as `*` or lists of numbers, every month) when the zone's UTC offset is the same
 * now and at the answer, so no clock change lies between. Everything else, and any doubt, is
 * cron-parser's: test/jobs/cron-next.test.ts checks both agree on random patterns, zones and
 * dates across daylight-saving changes.
 */
export function nextCronMillis(pattern: string, timeZone: string | undefined, after: number): number | undefined {
  return fastNext(pattern, timeZone ?? 'UTC', after) ?? cronParserNext(pattern, timeZone, after);
}

/**
 * BullMQ's repeat strategy with the fast path: the same answer as its default for a pattern with
 * a time zone and nothing else (how digests schedule); any other option goes to the default.
 */
export const fastRepeatStrategy: RepeatStrategy = (millis: number, opts: RepeatOptions) => {
  const { pattern, tz, startDate, endDate, immediately, utc, every, currentDate } = opts as RepeatOptions & { currentDate?: unknown };
  if (typeof pattern === 'string' && !every && !startDate && !endDate && !immediately && !utc && currentDate === undefined) return nextCronMillis(pattern, tz, millis);
  return defaultRepeatStrategy(millis, opts);
};

/** BullMQ's defaultRepeatStrategy, for the patterns and options digests use. */
export function cronParserNext(pattern: string, timeZone: string | undefined, after: number): number | undefined {
  try {
    return parser.parseExpression(pattern, { currentDate: new Date(after), ...(timeZone ? { tz: timeZone } : {}) }).next().getTime();
  } catch {
    return undefined;
  }
}

interface Fields {
  minutes: number[];
  hours: number[];
  /** Null: every day. */
  daysOfMonth: Set<number> | null;
  daysOfWeek: Set<number> | null;
}

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const parsed = new Map<string, Fields | null>();
const zones = new Map<string, Intl.DateTimeFormat | null>();

function fastNext(pattern: string, timeZone: string, after: number): number | undefined {
  const fields = fieldsOf(pattern);
  const format = formatOf(timeZone);
  if (!fields || !format || !Number.isFinite(after)) return undefined;
  const offset = offsetAt(format, after);
  if (offset === undefined) return undefined;
  // Wall-clock time in the zone as if it were UTC; the next whole minute strictly after `after`.
  const wall = Math.floor((after + offset) / MINUTE) * MINUTE + MINUTE;
  const firstDay = Math.floor(wall / DAY) * DAY;
  for (let d = 0; d <= 62; d++) {
    const day = firstDay + d * DAY;
    const date = new Date(day);
    if (fields.daysOfMonth && !fields.daysOfMonth.has(date.getUTCDate())) continue;
    if (fields.daysOfWeek && !fields.daysOfWeek.has(date.getUTCDay())) continue;
    for (const hour of fields.hours) {
      for (const minute of fields.minutes) {
        const candidate = day + hour * 60 * MINUTE + minute * MINUTE;
        if (candidate < wall) continue;
        const answer = candidate - offset;
        // A clock change between now and the answer: cron-parser's own rules decide.
        return offsetAt(format, answer) === offset ? answer : undefined;
      }
    }
  }
  return undefined;
}

/** Minute, hour and one day field as `*` or number lists; anything else is cron-parser's. */
function fieldsOf(pattern: string): Fields | null {
  let fields = parsed.get(pattern);
  if (fields !== undefined) return fields;
  fields = parse(pattern);
  if (parsed.size >= 10_000) parsed.clear();
  parsed.set(pattern, fields);
  return fields;
}

function parse(pattern: string): Fields | null {
  const parts = pattern.trim().split(/\s+/);
  if (parts.length !== 5 || parts[3] !== '*') return null;
  const minutes = list(parts[0]!, 0, 59);
  const hours = list(parts[1]!, 0, 23);
  const daysOfMonth = parts[2] === '*' ? null : list(parts[2]!, 1, 31);
  const daysOfWeek = parts[4] === '*' ? null : list(parts[4]!, 0, 6);
  if (!minutes || !hours || daysOfMonth === undefined || daysOfWeek === undefined) return null;
  // Both day fields restricted means "either" in cron: left to cron-parser.
  if (daysOfMonth && daysOfWeek) return null;
  return { minutes, hours, daysOfMonth: daysOfMonth && new Set(daysOfMonth), daysOfWeek: daysOfWeek && new Set(daysOfWeek) };
}

/** `*` (every value) or a comma list of plain numbers within range; undefined for anything else. */
function list(field: string, min: number, max: number): number[] | undefined {
  if (field === '*') return Array.from({ length: max - min + 1 }, (_, i) => min + i);
  if (!/^\d{1,2}(,\d{1,2})*$/.test(field)) return undefined;
  const values = [...new Set(field.split(',').map(Number))].sort((a, b) => a - b);
  return values.every((v) => v >= min && v <= max) ? values : undefined;
}

function formatOf(timeZone: string): Intl.DateTimeFormat | null {
  let format = zones.get(timeZone);
  if (format !== undefined) return format;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    format = null;
  }
  if (zones.size >= 1_000) zones.clear();
  zones.set(timeZone, format);
  return format;
}

/** The zone's offset from UTC at an instant, in ms (whole seconds, as the zone data has them). */
function offsetAt(format: Intl.DateTimeFormat, at: number): number | undefined {
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(at))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  const offset = wall - Math.floor(at / 1000) * 1000;
  return Number.isFinite(offset) ? offset : undefined;
}
