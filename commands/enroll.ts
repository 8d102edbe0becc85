import { defineCommand } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { refusedWrite, resolveCourse } from '../src/core/course-ref.ts';
import { reply } from '../src/domain/reply.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import { courseName } from '../src/domain/course-name.ts';
import { enrollmentAction, ratingRow } from './present.ts';
import type { Course } from '../src/domain/model.ts';
import type { CourseStore } from '../src/ports/store/index.ts';
import { giveCohort, requireMembership, takeCohort } from '../src/core/cohorts.ts';

/** Both commands: a member writes about one course, named by number or title. */
const memberWriteOnCourse = () => ({ permission: 'member', access: 'write', options: { course: option.course().required() } }) as const;

/** The course `ref` names, archived ones included (the reply then says why), with its display name. */
async function namedCourse(store: CourseStore, communityId: string, ref: string): Promise<{ course: Course; name: string }> {
  const course = await resolveCourse(store, communityId, ref, { includeArchived: true });
  return { course, name: courseName(course) };
}

export const enrollCommand = defineCommand({
  name: 'enroll',
  ...memberWriteOnCourse(),
  async run(ctx, options) {
    const { store, community, member, i18n } = ctx;
    const { course, name } = await namedCourse(store, community.id, options.course);
    if (await store.isEnrolled(community.id, member.id, course.id)) {
      return reply({ visibility: 'ephemeral', body: [i18n.t('commands:enroll.already', { course: name })], actions: [ratingRow(course, i18n)] });
    }
    if (course.archived) throw new UserError(UserErrorCode.CourseArchived, { course: name });
    const access = await store.cohorts.getCourseAccess(community.id, course.id);
    await requireMembership(ctx, course, access, UserErrorCode.MembersOnly);
    const outcome = await store.enroll(community.id, member.id, course.id, ctx.clock.now()).catch(refusedWrite(course));
    if (outcome === 'already-enrolled') {
      return reply({ visibility: 'ephemeral', body: [i18n.t('commands:enroll.already', { course: name })] });
    }
    // The enrollment stands whatever the platform says about the role.
    const cohort = await giveCohort(ctx, course, access);
    await ctx.events.publish({ type: 'enrolled', community, member, course, locale: i18n.locale });
    return reply({
      visibility: 'ephemeral',
      tone: 'success',
      body: [i18n.t('commands:enroll.done', { course: name }), ...cohort, i18n.t('commands:enroll.rateHint', { number: course.number })],
      actions: [ratingRow(course, i18n), [enrollmentAction(course, true, i18n)]],
    });
  },
});

export const unenrollCommand = defineCommand({
  name: 'unenroll',
  ...memberWriteOnCourse(),
  async run(ctx, options) {
    const { store, community, member, i18n } = ctx;
    const { course, name } = await namedCourse(store, community.id, options.course);
    const outcome = await store.unenroll(community.id, member.id, course.id);
    if (outcome === 'not-enrolled') {
      return reply({ visibility: 'ephemeral', body: [i18n.t('commands:unenroll.notEnrolled', { course: name })] });
    }
    const cohort = await takeCohort(ctx, course, await store.cohorts.getCourseAccess(community.id, course.id));
    await ctx.events.publish({ type: 'unenrolled', community, member, course });
    return reply({
      visibility: 'ephemeral',
      tone: 'success',
      body: [i18n.t('commands:unenroll.done', { course: name }), ...cohort],
      actions: course.archived ? [] : [[enrollmentAction(course, false, i18n)]],
    });
  },
});
