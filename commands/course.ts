import { defineCommand } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { resolveCourse } from '../src/core/course-ref.ts';
import { reply, type CommandInvocation } from '../src/domain/reply.ts';
import { LIMITS } from '../src/domain/limits.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import type { CoursePatch, CourseStore } from '../src/ports/store/index.ts';
import { courseName } from '../src/domain/course-name.ts';
import { courseDetails } from './present.ts';
import { cohortOptions, cohortPatch, REMOVABLE } from './cohort-options.ts';
import { cohortLines, afterAccessChange } from './course-show.ts';

const FORM_FIELDS = ['title', 'value', 'url', 'description', 'tags'] as const;

const courseFields = {
  title: option.string({ maxLength: LIMITS.titleLength }),
  value: option.number({ min: 0.1, max: LIMITS.courseValueMax }),
  url: option.url(),
  description: option.string({ maxLength: LIMITS.descriptionLength }),
  tags: option.tags(),
  starts: option.dateTime(),
};

/** The course options both /course add and /course edit take as optional, in that order. */
const optionalDetails = () => ({
  value: courseFields.value.optional(),
  url: courseFields.url.optional(),
  description: courseFields.description.optional(),
  tags: courseFields.tags.optional(),
  starts: courseFields.starts.optional(),
  ...cohortOptions,
});

export const courseAddCommand = defineCommand({
  group: 'course',
  name: 'add',
  permission: 'moderator',
  answer: 'public',
  access: 'write',
  options: {
    title: courseFields.title.required(),
    ...optionalDetails(),
  },
  form: [...FORM_FIELDS],
  async run(ctx, options) {
    const { store, community, i18n } = ctx;
    await refuseDuplicateTitle(store, community.id, options.title);
    const accessPatch = await cohortPatch(ctx, options);
    const course = await store.createCourse(community.id, {
      title: options.title,
      value: options.value ?? 1,
      url: options.url ?? null,
      description: options.description ?? '',
      tags: options.tags ?? [],
      startsAt: options.starts ?? null,
    });
    const access = Object.keys(accessPatch).length > 0 ? await store.cohorts.setCourseAccess(community.id, course.id, accessPatch) : null;
    await ctx.events.publish({ type: 'course-created', community, course });
    return reply({
      visibility: 'public',
      tone: 'success',
      title: i18n.t('commands:course.add.done', { course: courseName(course) }),
      body: [...courseDetails(course, i18n, LIMITS.descriptionLength), ...(access ? await cohortLines(ctx, access) : [])],
      actions: [
        [
          { label: i18n.t('common:action.enroll'), style: 'primary', invoke: { command: 'enroll', options: { course: String(course.number) } } },
          { label: i18n.t('common:action.edit'), style: 'secondary', invoke: { command: 'course.edit', options: { course: String(course.number) } } },
        ],
      ],
    });
  },
});

export const courseEditCommand = defineCommand({
  group: 'course',
  name: 'edit',
  permission: 'moderator',
  answer: 'public',
  access: 'write',
  options: {
    course: option.course().required(),
    title: courseFields.title.optional(),
    ...optionalDetails(),
    remove: option.choice(REMOVABLE).optional(),
  },
  form: [...FORM_FIELDS],
  async prefillForm(ctx, given) {
    if (typeof given.course !== 'string') return {};
    const course = await resolveCourse(ctx.store, ctx.community.id, given.course, { includeArchived: true });
    return {
      title: course.title,
      value: String(course.value),
      url: course.url ?? '',
      description: course.description,
      tags: course.tags.join(', '),
    };
  },
  async run(ctx, { course: ref, role, channel, requires, channel_leave, remove, ...changes }) {
    const { store, community, i18n } = ctx;
    const before = await resolveCourse(store, community.id, ref, { includeArchived: true });
    const accessPatch = await cohortPatch(ctx, { role, channel, requires, channel_leave, remove });
    const patch: CoursePatch = {};
    if (changes.title !== undefined) patch.title = changes.title;
    if (changes.value !== undefined) patch.value = changes.value;
    if (changes.url !== undefined) patch.url = changes.url;
    if (changes.description !== undefined) patch.description = changes.description;
    if (changes.tags !== undefined) patch.tags = changes.tags;
    if (changes.starts !== undefined) patch.startsAt = changes.starts;
    const accessChanged = Object.keys(accessPatch).length > 0;
    if (Object.keys(patch).length === 0 && !accessChanged) throw new UserError(UserErrorCode.NothingToEdit, { course: courseName(before) });
    if (patch.title !== undefined) await refuseDuplicateTitle(store, community.id, patch.title, before.id);
    const course = Object.keys(patch).length > 0 ? await store.updateCourse(community.id, before.id, patch) : before;
    const accessBefore = await store.cohorts.getCourseAccess(community.id, course.id);
    const access = accessChanged ? await store.cohorts.setCourseAccess(community.id, course.id, accessPatch) : accessBefore;
    if (course !== before) await ctx.events.publish({ type: 'course-updated', community, course, before });
    // A channel given again (the same one, once a moderator fixed what stopped the invites) re-queues them too.
    const reinvite = access.roleId === null && accessPatch.channelId !== undefined && access.channelId !== null;
    const syncNote = accessBefore.roleId !== access.roleId || reinvite ? await afterAccessChange(ctx, course, accessBefore, access) : [];
    return reply({
      visibility: 'public',
      tone: 'success',
      title: i18n.t('commands:course.edit.done', { course: courseName(course) }),
      body: [...courseDetails(course, i18n, LIMITS.descriptionLength), ...(await cohortLines(ctx, access)), ...syncNote],
    });
  },
});

/** Archive hides a course (members keep enrollments and ratings); unarchive brings it back. */
function archiveCommand(name: 'archive' | 'unarchive') {
  const archiving = name === 'archive';
  return defineCommand({
    group: 'course',
    name,
    permission: 'moderator',
    answer: 'public',
    access: 'write',
    options: { course: option.course().required() },
    async run(ctx, options) {
      const { store, community, i18n } = ctx;
      const before = await resolveCourse(store, community.id, options.course, { includeArchived: true });
      if (before.archived === archiving) {
        return reply({ visibility: 'ephemeral', body: [i18n.t(`commands:course.${name}.already`, { course: courseName(before) })] });
      }
      if (!archiving) await refuseDuplicateTitle(store, community.id, before.title, before.id);
      const course = await store.setCourseArchived(community.id, before.id, archiving);
      await ctx.events.publish(archiving ? { type: 'course-archived', community, course } : { type: 'course-updated', community, course, before });
      const undo: CommandInvocation = { command: archiving ? 'course.unarchive' : 'course.archive', options: { course: String(course.number) } };
      return reply({
        visibility: 'public',
        tone: 'success',
        body: [i18n.t(`commands:course.${name}.done`, { course: courseName(course) })],
        actions: archiving ? [[{ label: i18n.t('common:action.unarchive'), style: 'secondary', invoke: undo }]] : [],
      });
    },
  });
}

export const courseArchiveCommand = archiveCommand('archive');
export const courseUnarchiveCommand = archiveCommand('unarchive');

/** Two active courses with one title would make that title ambiguous forever. */
async function refuseDuplicateTitle(store: CourseStore, communityId: string, title: string, exceptCourseId?: string): Promise<void> {
  const folded = title.normalize('NFKC').toLocaleLowerCase();
  const clash = (await store.findCoursesByTitlePrefix(communityId, title, 20)).find(
    (c) => c.id !== exceptCourseId && c.title.normalize('NFKC').toLocaleLowerCase() === folded,
  );
  if (clash) throw new UserError(UserErrorCode.DuplicateTitle, { course: courseName(clash), number: clash.number }, 'title');
}
