import { defineCommand } from '../src/core/command.ts';
import { reply } from '../src/domain/reply.ts';
import { clip } from '../src/domain/limits.ts';
import { courseName } from '../src/domain/course-name.ts';
import { courseStats } from './present.ts';
import { holdsRequiredRole, roleLabel } from '../src/core/cohorts.ts';

export const myCoursesCommand = defineCommand({
  name: 'mycourses',
  permission: 'member',
  home: { order: 1 },
  access: 'read',
  options: {},
  async run(ctx) {
    const { store, community, member, i18n } = ctx;
    const mine = await store.listMemberCourses(community.id, member.id);
    if (mine.length === 0) {
      return reply({ visibility: 'ephemeral', title: i18n.t('commands:mycourses.title'), body: [i18n.t('commands:mycourses.empty')] });
    }
    // Members-only courses whose role this member no longer holds: kept, but closed to rating.
    const access = await store.cohorts.listCourseAccess(community.id, mine.map((m) => m.course.id));
    const lapsed = new Map<string, string>();
    for (const [courseId, a] of access) {
      if (a.requiredRoleId === null || !ctx.access) continue;
      const holds = await holdsRequiredRole(ctx, a);
      await store.cohorts.setLapsed(community.id, member.id, courseId, !holds, ctx.clock.now());
      if (!holds) lapsed.set(courseId, i18n.t('cohorts:mycourses.lapsed', { role: await roleLabel(ctx, a.requiredRoleId) }));
    }
    return reply({
      visibility: 'ephemeral',
      title: i18n.t('commands:mycourses.title'),
      body: [i18n.t('commands:mycourses.summary', { count: mine.length })],
      sections: mine.map(({ course, rating, enrolledAt }) => ({
        title: courseName(course),
        lines: [
          rating
            ? rating.review
              ? i18n.t('commands:mycourses.ratedWithReview', { stars: rating.stars, review: clip(rating.review, 120) })
              : i18n.t('commands:mycourses.rated', { stars: rating.stars })
            : i18n.t('commands:mycourses.notRated', { number: course.number }),
          i18n.t('commands:mycourses.since', { when: i18n.dateTime(enrolledAt) }),
          courseStats(course, i18n),
          ...(lapsed.has(course.id) ? [lapsed.get(course.id)!] : []),
        ],
      })),
    });
  },
});
