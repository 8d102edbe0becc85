import { defineCommand } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { refusedWrite, resolveCourse } from '../src/core/course-ref.ts';
import { reply } from '../src/domain/reply.ts';
import { LIMITS } from '../src/domain/limits.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import { averageRating } from '../src/domain/score.ts';
import { courseName } from '../src/domain/course-name.ts';
import { holdsRequiredRole, requireMembership } from '../src/core/cohorts.ts';

export const rateCommand = defineCommand({
  name: 'rate',
  permission: 'member',
  access: 'write',
  options: {
    course: option.course().required(),
    stars: option.integer({ min: 1, max: 5 }).required(),
    review: option.string({ maxLength: LIMITS.reviewLength, rest: true }).optional(),
  },
  async run(ctx, options) {
    const { store, community, member, i18n } = ctx;
    const course = await resolveCourse(store, community.id, options.course, { includeArchived: true });
    const name = courseName(course);
    // Archived courses take no new ratings (the store refuses them too): they are out of the score.
    if (course.archived) throw new UserError(UserErrorCode.CourseArchived, { course: name });
    if (!(await store.isEnrolled(community.id, member.id, course.id))) {
      throw new UserError(UserErrorCode.NotEnrolledToRate, { course: name, number: course.number });
    }
    const access = await store.cohorts.getCourseAccess(community.id, course.id);
    if (access.requiredRoleId !== null) {
      // Remembered so moderators can count enrollees who lost the role; the rating stays as it was.
      const holds = await holdsRequiredRole(ctx, access);
      await store.cohorts.setLapsed(community.id, member.id, course.id, !holds, ctx.clock.now());
      if (!holds) await requireMembership(ctx, course, access, UserErrorCode.MembersOnlyRate);
    }
    const outcome = await store.rate(community.id, member.id, course.id, options.stars, options.review ?? null, ctx.clock.now()).catch(refusedWrite(course));
    await ctx.events.publish({ type: 'rated', community, member, course: outcome.course, stars: options.stars });
    const average = averageRating(outcome.course) ?? options.stars;
    return reply({
      visibility: 'ephemeral',
      tone: 'success',
      body: [
        outcome.previous === null
          ? i18n.t('commands:rate.done', { course: name, stars: options.stars })
          : i18n.t('commands:rate.replaced', { course: name, stars: options.stars, previous: outcome.previous }),
        i18n.t('commands:rate.average', { average: i18n.number(average, 2), count: outcome.course.ratingCount }),
      ],
    });
  },
});
