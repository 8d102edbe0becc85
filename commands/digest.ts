import cronParser from 'cron-parser';
import { defineCommand } from '../src/core/command.ts';
import type { Translator } from '../src/core/i18n.ts';
import { reply, type Reply } from '../src/domain/reply.ts';
import type { Community, Course } from '../src/domain/model.ts';
import { UserErrorCode } from '../src/domain/errors.ts';
import { averageRating, communityScore, topRanked } from '../src/domain/score.ts';
import type { CommunityStore, CourseStore } from '../src/ports/store/index.ts';
import { courseName } from './present.ts';

/** How many ranked courses a digest lists, and how many new ones before "and N more". */
const DIGEST_TOP = 5;
const DIGEST_NEW = 8;
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

export interface DigestInput {
  store: CourseStore & CommunityStore;
  community: Community;
  /** The language of the post: the community's default for a channel, the caller's for a preview. */
  i18n: Translator;
  period: DigestPeriod;
  priorWeight: number;
}

/**
 * The digest as one Reply: the top courses by Bayesian weighted rating (with their averages
 * and counts), the courses added in the period, and the community score. Jobs post it to the
 * channel; /digest now shows the same thing to the caller.
 */
export async function buildDigest(input: DigestInput): Promise<Reply> {
  const { store, community, i18n, period, priorWeight } = input;
  const timeZone = community.settings.digest?.timezone ?? 'UTC';
  const [courses, members] = await Promise.all([store.listActiveCourses(community.id), store.countMembers(community.id)]);
  const ranked = topRanked(courses, DIGEST_TOP, priorWeight);
  const fresh = courses
    .filter((c) => c.createdAt.getTime() >= period.since.getTime() && c.createdAt.getTime() < period.until.getTime())
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.number - a.number);
  const score = communityScore(members, courses);
  return reply({
    visibility: 'public',
    title: i18n.t('jobs:digest.title', { community: community.name }),
    body: [
      i18n.t('jobs:digest.period', {
        since: i18n.dateTime(period.since, timeZone),
        until: i18n.dateTime(period.until, timeZone),
        timezone: timeZone,
      }),
    ],
    fields: [
      { label: i18n.t('jobs:digest.score'), value: i18n.number(score.score, 2), inline: true },
      { label: i18n.t('jobs:digest.members'), value: i18n.number(score.memberCount), inline: true },
      { label: i18n.t('jobs:digest.ratings'), value: i18n.number(score.ratingCount), inline: true },
    ],
    sections: [
      {
        title: i18n.t('jobs:digest.top'),
        lines:
          ranked.length === 0
            ? [i18n.t('jobs:digest.noRatings')]
            : ranked.map((r) =>
                i18n.t('jobs:digest.topLine', {
                  rank: r.rank,
                  course: courseName(r.item),
                  weighted: i18n.number(r.weighted, 2),
                  average: i18n.number(averageRating(r.item) ?? 0, 2),
                  count: r.item.ratingCount,
                }),
              ),
      },
      { title: i18n.t('jobs:digest.new'), lines: newCourseLines(fresh, i18n) },
    ],
    footer: i18n.t('jobs:digest.footer'),
  });
}

function newCourseLines(fresh: Course[], i18n: Translator): string[] {
  if (fresh.length === 0) return [i18n.t('jobs:digest.noNew')];
  const lines = fresh.slice(0, DIGEST_NEW).map((c) => courseName(c));
  if (fresh.length > DIGEST_NEW) lines.push(i18n.t('jobs:digest.more', { count: fresh.length - DIGEST_NEW }));
  return lines;
}

export const digestNowCommand = defineCommand({
  group: 'digest',
  name: 'now',
  permission: 'member',
  access: 'read',
  options: {},
  async run(ctx) {
    const { community, i18n } = ctx;
    const preview = await buildDigest({
      store: ctx.store,
      community,
      i18n,
      period: digestPeriod(community, ctx.clock.now()),
      priorWeight: ctx.settings.priorWeight,
    });
    const configured = community.settings.digest;
    return {
      ...preview,
      visibility: 'ephemeral',
      body: [i18n.t('commands:digest.now.preview'), ...preview.body],
      footer: configured
        ? i18n.t('commands:digest.now.scheduled', { channel: configured.channelId, schedule: configured.schedule, timezone: configured.timezone })
        : i18n.t(`errors:${UserErrorCode.DigestNotConfigured}`),
    };
  },
});
