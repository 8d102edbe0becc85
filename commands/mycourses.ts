import { defineCommand } from '../src/core/command.ts';
import { reply } from '../src/domain/reply.ts';
import { clip } from '../src/domain/limits.ts';
import { courseName, courseStats } from './present.ts';

export const myCoursesCommand = defineCommand({
  name: 'mycourses',
  permission: 'member',
  access: 'read',
  options: {},
  async run(ctx) {
    const { store, community, member, i18n } = ctx;
    const mine = await store.listMemberCourses(community.id, member.id);
    if (mine.length === 0) {
      return reply({ visibility: 'ephemeral', title: i18n.t('commands:mycourses.title'), body: [i18n.t('commands:mycourses.empty')] });
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
        ],
      })),
    });
  },
});
