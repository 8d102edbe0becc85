import { defineCommand } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { reply, type Action } from '../src/domain/reply.ts';
import { LIMITS } from '../src/domain/limits.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import { communityMean } from '../src/domain/score.ts';
import { courseName } from '../src/domain/course-name.ts';
import { courseDetails } from './present.ts';
import { roleLabel } from '../src/core/cohorts.ts';

export const coursesCommand = defineCommand({
  name: 'courses',
  permission: 'member',
  access: 'read',
  answer: 'public',
  home: { order: 2, options: { sort: 'top' } },
  options: {
    query: option.string({ maxLength: LIMITS.queryLength, rest: true }).optional(),
    sort: option.choice(['top', 'new'] as const).optional(),
    page: option.integer({ min: 1, max: LIMITS.maxPage }).optional(),
  },
  async run(ctx, { query, sort = 'top', page = 1 }) {
    const { i18n, store, community } = ctx;
    const perPage = ctx.settings.coursesPerPage;
    const prior = sort === 'top' ? { mean: communityMean([await store.activeRatingTotals(community.id)]), weight: ctx.settings.priorWeight } : undefined;
    const result = await store.listCourses(community.id, {
      ...(query ? { text: query } : {}),
      sort,
      ...(prior ? { prior } : {}),
      offset: (page - 1) * perPage,
      limit: perPage,
    });
    const pages = Math.max(1, Math.ceil(result.total / perPage));
    if (result.total === 0) {
      return reply({
        visibility: 'public',
        title: i18n.t('commands:courses.title'),
        body: [query ? i18n.t('commands:courses.noMatch', { query }) : i18n.t('commands:courses.empty')],
        ...(ctx.isModerator && !query ? { footer: i18n.t('commands:courses.addHint') } : {}),
      });
    }
    if (page > pages) throw new UserError(UserErrorCode.PageOutOfRange, { page, pages }, 'page');
    const turn = (to: number, label: string): Action => ({
      label,
      style: 'secondary',
      invoke: { command: 'courses', options: { ...(query ? { query } : {}), sort, page: to } },
    });
    const access = await store.cohorts.listCourseAccess(community.id, result.items.map((c) => c.id));
    const membersOnly = new Map<string, string>();
    for (const [courseId, a] of access) {
      if (a.requiredRoleId !== null) membersOnly.set(courseId, i18n.t('cohorts:courses.membersOnly', { role: await roleLabel(ctx, a.requiredRoleId) }));
    }
    return reply({
      visibility: 'public',
      title: query ? i18n.t('commands:courses.titleQuery', { query }) : i18n.t('commands:courses.title'),
      body: [i18n.t('commands:courses.summary', { count: result.total, sort: i18n.t(`commands:courses.sort.${sort}`) })],
      sections: result.items.map((course) => ({
        title: courseName(course),
        lines: membersOnly.has(course.id) ? [membersOnly.get(course.id)!, ...courseDetails(course, i18n)] : courseDetails(course, i18n),
      })),
      pagination: {
        page,
        pages,
        ...(page > 1 ? { previous: turn(page - 1, i18n.t('common:action.previous')) } : {}),
        ...(page < pages ? { next: turn(page + 1, i18n.t('common:action.next')) } : {}),
      },
      footer: i18n.t('commands:courses.footer'),
    });
  },
});
