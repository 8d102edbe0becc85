import { defineCommand, type CommandContext } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { resolveCourse } from '../src/core/course-ref.ts';
import { channelLabel, describeRefusal, roleLabel } from '../src/core/cohorts.ts';
import { isPermanentInviteRefusal, syncCourseGrants } from '../src/core/cohort-sync.ts';
import { reply } from '../src/domain/reply.ts';
import { LIMITS } from '../src/domain/limits.ts';
import { grantTarget, targetChannel, type CourseAccess } from '../src/domain/cohort.ts';
import type { Course } from '../src/domain/model.ts';
import { courseName } from '../src/domain/course-name.ts';
import { courseDetails } from './present.ts';

/** The role, channel and members-only lines of a course, as moderators see them. */
export async function cohortLines(ctx: CommandContext, access: CourseAccess): Promise<string[]> {
  const { i18n } = ctx;
  const lines: string[] = [];
  if (access.roleId !== null) lines.push(i18n.t('cohorts:show.role', { role: await roleLabel(ctx, access.roleId) }));
  if (access.channelId !== null) {
    lines.push(i18n.t(access.channelLeave ? 'cohorts:show.channelLeave' : 'cohorts:show.channel', { channel: channelLabel(access.channelId) }));
  }
  if (access.requiredRoleId !== null) lines.push(i18n.t('cohorts:show.requires', { role: await roleLabel(ctx, access.requiredRoleId) }));
  return lines;
}

/**
 * A course's role changed (or its channel was set without a role): its enrollees get the new one
 * (and lose the old) or are invited through the sync job; without a job queue (the console, or
 * Redis off) the command does it at once.
 */
export async function afterAccessChange(ctx: CommandContext, course: Course, before: CourseAccess, after: CourseAccess): Promise<string[]> {
  const { i18n } = ctx;
  if (course.enrolledCount === 0 || !ctx.access) return [];
  const target = grantTarget(after) ?? grantTarget(before);
  if (target === null) return [];
  const channel = targetChannel(target);
  const label = channel !== null ? channelLabel(channel) : await roleLabel(ctx, target);
  if (ctx.services.jobs() === 'running') {
    await ctx.events.publish({ type: 'cohort-sync', community: ctx.community, course });
    if (channel !== null) return [i18n.t('cohorts:sync.queuedInvite', { channel: label, count: course.enrolledCount, number: course.number })];
    return [i18n.t(after.roleId ? 'cohorts:sync.queuedGrant' : 'cohorts:sync.queuedRevoke', { role: label, count: course.enrolledCount, number: course.number })];
  }
  const result = await syncCourseGrants({ store: ctx.store, access: ctx.access, clock: ctx.clock, logger: ctx.logger }, ctx.community, course.id);
  const lines = [i18n.t('cohorts:sync.doneNow', { role: label, granted: result.granted, revoked: result.revoked, left: result.left })];
  if (result.refusal) lines.push(i18n.t('cohorts:sync.refusedNow', { reason: describeRefusal(i18n, result.refusal) }));
  return lines;
}

export const courseShowCommand = defineCommand({
  group: 'course',
  name: 'show',
  permission: 'moderator',
  access: 'read',
  options: { course: option.course().required() },
  async run(ctx, options) {
    const { store, community, i18n } = ctx;
    const course = await resolveCourse(store, community.id, options.course, { includeArchived: true });
    const access = await store.cohorts.getCourseAccess(community.id, course.id);
    const target = grantTarget(access);
    const counts = await store.cohorts.grantCounts(community.id, course.id, target);
    const lines = await cohortLines(ctx, access);
    if (access.roleId !== null) {
      lines.push(i18n.t('cohorts:show.granted', { granted: counts.granted, total: counts.total }));
      if (counts.waiting > 0) lines.push(i18n.t('cohorts:show.waiting', { count: counts.waiting }));
      if (counts.refused > 0) lines.push(i18n.t('cohorts:show.refused', { count: counts.refused }));
      if (counts.left > 0) lines.push(i18n.t('cohorts:show.left', { count: counts.left }));
    } else if (access.channelId !== null) {
      // Channel invites share the grant records: the same counts, and what stops them for good.
      lines.push(i18n.t('cohorts:show.invited', { granted: counts.granted, total: counts.total }));
      if (counts.waiting > 0) lines.push(i18n.t('cohorts:show.inviteWaiting', { count: counts.waiting }));
      if (counts.refused > 0) {
        lines.push(i18n.t('cohorts:show.inviteRefused', { count: counts.refused }));
        const blocked = ctx.access ? await ctx.access.checkChannel(community, access.channelId).catch(() => null) : null;
        if (blocked && isPermanentInviteRefusal(blocked)) lines.push(i18n.t('cohorts:show.inviteStopped', { reason: describeRefusal(i18n, blocked) }));
      }
      if (counts.left > 0) lines.push(i18n.t('cohorts:show.left', { count: counts.left }));
    }
    if (access.requiredRoleId !== null) lines.push(i18n.t('cohorts:show.lapsed', { count: counts.lapsed }));
    if (lines.length === 0) lines.push(i18n.t('cohorts:show.none', { number: course.number }));
    return reply({
      visibility: 'ephemeral',
      title: courseName(course),
      body: courseDetails(course, i18n, LIMITS.descriptionLength),
      sections: [{ title: i18n.t('cohorts:show.title'), lines }],
    });
  },
});
