import { reply, type Reply } from '../domain/reply.ts';
import type { Course } from '../domain/model.ts';
import { courseName } from '../domain/course-name.ts';
import { averageRating, communityScore, topRanked } from '../domain/score.ts';
import type { DigestPeriod } from '../domain/schedule.ts';
import type { CommunityStore, CourseStore, HistoryStore } from '../ports/store/index.ts';
import { addDays, dayIn } from '../domain/history.ts';
import type { Community } from '../domain/model.ts';
import type { Translator } from './i18n.ts';

/** How many ranked courses a digest lists, and how many new ones before "and N more". */
const DIGEST_TOP = 5;
const DIGEST_NEW = 8;

export interface DigestInput {
  /** With the daily history, the digest gains a trend line (G then → G now). */
  store: CourseStore & CommunityStore & Partial<Pick<HistoryStore, 'listDailySnapshots'>>;
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
  const trend = await trendLine(input, timeZone, score.score);
  return reply({
    visibility: 'public',
    title: i18n.t('jobs:digest.title', { community: community.name }),
    body: [
      i18n.t('jobs:digest.period', {
        since: i18n.dateTime(period.since, timeZone),
        until: i18n.dateTime(period.until, timeZone),
        timezone: timeZone,
      }),
      ...(trend ? [trend] : []),
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

/**
 * "G 3.12 → 3.40 since …": the score at the start of the period (the last daily snapshot on or
 * before its first day) against now; nothing when the history does not reach back that far.
 */
async function trendLine(input: DigestInput, timeZone: string, now: number): Promise<string | null> {
  const { store, community, i18n, period } = input;
  if (!store.listDailySnapshots) return null;
  const startDay = dayIn(period.since, timeZone);
  const snapshots = await store.listDailySnapshots(community.id, addDays(startDay, -7));
  const then = snapshots.filter((s) => s.day <= startDay).at(-1);
  if (!then) return null;
  return i18n.t('analytics:digest.trend', { from: i18n.number(then.score, 2), to: i18n.number(now, 2), since: i18n.dateTime(period.since, timeZone) });
}
