import { defineCommand, type CommandContext } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { resolveCourse } from '../src/core/course-ref.ts';
import { reply, type Reply } from '../src/domain/reply.ts';
import type { Course } from '../src/domain/model.ts';
import { averageRating, communityMean, communityScore, rankOf, topRanked } from '../src/domain/score.ts';
import { courseName } from '../src/domain/course-name.ts';
import { enrollmentAction, ratingRow } from './present.ts';

const TOP = 3;

export const scoreCommand = defineCommand({
  name: 'score',
  permission: 'member',
  answer: 'public',
  access: 'read',
  options: { course: option.course().optional() },
  async run(ctx, options) {
    return options.course ? courseScore(ctx, options.course) : overallScore(ctx);
  },
});

async function overallScore(ctx: CommandContext): Promise<Reply> {
  const { store, community, i18n } = ctx;
  const [courses, members, snapshots] = await Promise.all([
    store.listActiveCourses(community.id),
    store.countMembers(community.id),
    store.listScoreSnapshots(community.id, 1),
  ]);
  const score = communityScore(members, courses);
  const ranked = topRanked(courses, TOP, ctx.settings.priorWeight);
  const body = [i18n.t('commands:score.explain')];
  const previous = snapshots[0];
  if (previous) {
    const delta = score.score - previous.score;
    body.push(
      i18n.t('commands:score.trend', {
        delta: `${delta >= 0 ? '+' : '−'}${i18n.number(Math.abs(delta), 2)}`,
        when: i18n.dateTime(previous.takenAt),
      }),
    );
  }
  return reply({
    visibility: 'public',
    title: i18n.t('commands:score.title', { score: i18n.number(score.score, 2) }),
    body,
    fields: [
      { label: i18n.t('commands:score.satisfaction'), value: i18n.number(score.satisfaction, 2), inline: true },
      { label: i18n.t('commands:score.coverage'), value: i18n.percent(score.coverage, 1), inline: true },
      { label: i18n.t('commands:score.members'), value: i18n.number(score.memberCount), inline: true },
      { label: i18n.t('commands:score.courses'), value: i18n.number(score.courseCount), inline: true },
      { label: i18n.t('commands:score.ratings'), value: i18n.number(score.ratingCount), inline: true },
    ],
    sections:
      ranked.length === 0
        ? [{ title: i18n.t('commands:score.top'), lines: [i18n.t('commands:score.noRatings')] }]
        : [
            {
              title: i18n.t('commands:score.top'),
              lines: ranked.map((r) =>
                i18n.t('commands:score.topLine', {
                  rank: r.rank,
                  course: courseName(r.item),
                  weighted: i18n.number(r.weighted, 2),
                  average: i18n.number(averageRating(r.item) ?? 0, 2),
                  count: r.item.ratingCount,
                }),
              ),
            },
          ],
    footer: i18n.t('commands:score.formula'),
  });
}

async function courseScore(ctx: CommandContext, ref: string): Promise<Reply> {
  const { store, community, member, i18n } = ctx;
  const course = await resolveCourse(store, community.id, ref, { includeArchived: true });
  const [active, histogram, enrolled] = await Promise.all([
    store.listActiveCourses(community.id),
    store.starHistogram(community.id, course.id),
    store.isEnrolled(community.id, member.id, course.id),
  ]);
  const pool: Course[] = active.some((c) => c.id === course.id) ? active : [...active, course];
  const { ranked: mine, total } = rankOf(pool, (c) => c.id === course.id, ctx.settings.priorWeight);
  const average = averageRating(course);
  const peak = Math.max(1, ...histogram);
  const bars = histogram
    .map((count, i) => `${i + 1}★ ${'█'.repeat(Math.round((count / peak) * 10)).padEnd(10, '·')} ${i18n.number(count)}`)
    .reverse();
  return reply({
    visibility: 'public',
    title: courseName(course),
    body: [i18n.t('commands:score.courseExplain', { mean: i18n.number(communityMean(pool), 2), weight: ctx.settings.priorWeight })],
    fields: [
      { label: i18n.t('commands:score.average'), value: average === null ? '—' : i18n.number(average, 2), inline: true },
      { label: i18n.t('commands:score.ratings'), value: i18n.number(course.ratingCount), inline: true },
      { label: i18n.t('commands:score.weighted'), value: mine ? i18n.number(mine.weighted, 2) : '—', inline: true },
      {
        label: i18n.t('commands:score.rank'),
        value: mine ? i18n.t('commands:score.rankOf', { rank: mine.rank, total }) : i18n.t('commands:score.unranked'),
        inline: true,
      },
    ],
    sections: [{ title: i18n.t('commands:score.histogram'), lines: bars }],
    actions: course.archived ? [] : enrolled ? [ratingRow(course, i18n), [enrollmentAction(course, true, i18n)]] : [[enrollmentAction(course, false, i18n)]],
  });
}
