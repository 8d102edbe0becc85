import { reply, type Reply } from '../domain/reply.ts';
import type { Course } from '../domain/model.ts';
import { courseName } from '../domain/course-name.ts';
import { averageRating, communityScore, topRanked } from '../domain/score.ts';
import type { DigestPeriod } from '../domain/schedule.ts';
import type { CommunityStore, CourseStore } from '../ports/store/index.ts';
import type { Community } from '../domain/model.ts';
import type { Translator } from './i18n.ts';

/** How many ranked courses a digest lists, and how many new ones before "and N more". */
const DIGEST_TOP = 5;
const DIGEST_NEW = 8;

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
