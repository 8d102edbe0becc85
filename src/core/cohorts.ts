import type { Course } from '../domain/model.ts';
import { grantTarget, grantWork, type CourseAccess } from '../domain/cohort.ts';
import { isPermanentInviteRefusal } from './cohort-sync.ts';
import { UserError, UserErrorCode } from '../domain/errors.ts';
import type { AccessRefusal, GrantOutcome } from '../ports/cohort-access.ts';
import type { CommandContext } from './command.ts';
import type { Translator } from './i18n.ts';
import { courseName } from '../domain/course-name.ts';

/**
 * What commands do with a course's cohort: check members-only access, grant the role and invite
 * to the channel on enroll, take them back on unenroll. A platform that refuses never undoes the
 * enrollment: the member is told, the grant is recorded as refused and the sync job retries.
 */

/** `@premium`, or the id when the platform no longer knows the role. */
export async function roleLabel(ctx: Pick<CommandContext, 'access' | 'community'>, roleId: string): Promise<string> {
  const name = ctx.access ? await ctx.access.roleName(ctx.community, roleId).catch(() => null) : null;
  return `@${name ?? roleId}`;
}

export function channelLabel(channelId: string): string {
  return `#${channelId}`;
}

/** The member's standing with a members-only course: true when it is open or they hold the role. */
export async function holdsRequiredRole(ctx: CommandContext, access: CourseAccess): Promise<boolean> {
  if (access.requiredRoleId === null) return true;
  if (!ctx.access) throw new UserError(UserErrorCode.CohortsUnavailable);
  return ctx.access.holdsRole(ctx.community, { externalId: ctx.member.externalId, heldRoles: ctx.heldRoles }, access.requiredRoleId);
}

/** Where a member gets the required role: the community's access page, else its moderators. */
export function whereToGetRole(ctx: Pick<CommandContext, 'community' | 'i18n'>): string {
  const url = ctx.community.settings.accessUrl;
  return url ? ctx.i18n.t('cohorts:where.url', { url }) : ctx.i18n.t('cohorts:where.moderators');
}

/** Refuses a member without a members-only course's role, naming it and where to get it. */
export async function requireMembership(ctx: CommandContext, course: Course, access: CourseAccess, code: typeof UserErrorCode.MembersOnly | typeof UserErrorCode.MembersOnlyRate): Promise<void> {
  if (await holdsRequiredRole(ctx, access)) return;
  throw new UserError(code, { course: courseName(course), role: await roleLabel(ctx, access.requiredRoleId!), where: whereToGetRole(ctx) });
}

/** A platform refusal in words: what exactly the moderator must change. */
export function describeRefusal(i18n: Translator, refusal: AccessRefusal): string {
  const { code, ...vars } = refusal;
  return i18n.t(`cohorts:refusal.${code}`, vars);
}

/** After an enrollment: grant the role and invite to the channel; the lines tell the member how it went. */
export async function giveCohort(ctx: CommandContext, course: Course, access: CourseAccess): Promise<string[]> {
  const { store, community, member, i18n } = ctx;
  const lines: string[] = [];
  if (!ctx.access) return lines;
  if (access.roleId !== null) {
    const role = await roleLabel(ctx, access.roleId);
    const outcome = await attempt(ctx, () => ctx.access!.grantRole(community, member.externalId, access.roleId!));
    const state = outcome.kind === 'done' ? 'granted' : outcome.kind === 'gone' ? 'left' : 'refused';
    await store.cohorts.setGrant(community.id, member.id, course.id, access.roleId, state, ctx.clock.now());
    if (outcome.kind === 'done') lines.push(i18n.t('cohorts:enroll.roleGiven', { role }));
    else {
      lines.push(i18n.t('cohorts:enroll.roleRefused', { role }));
      // The retry job tries again until the platform allows it.
      await ctx.events.publish({ type: 'cohort-sync', community, course });
    }
  }
  if (access.channelId !== null) {
    const channel = channelLabel(access.channelId);
    const outcome = await attempt(ctx, () => ctx.access!.inviteToChannel(community, member.externalId, access.channelId!));
    const target = grantTarget(access);
    // Without a role the channel is what the grant record is about: a failed invite is recorded
    // and retried by the job like a refused role, unless only a moderator can fix it.
    const recorded = access.roleId === null && target !== null;
    if (recorded) {
      const state = outcome.kind === 'done' ? 'granted' : outcome.kind === 'gone' ? 'left' : 'refused';
      await store.cohorts.setGrant(community.id, member.id, course.id, target, state, ctx.clock.now());
    }
    if (outcome.kind === 'done') lines.push(i18n.t('cohorts:enroll.invited', { channel }));
    else if (outcome.kind === 'refused' && recorded && !isPermanentInviteRefusal(outcome.refusal)) {
      lines.push(i18n.t('cohorts:enroll.inviteRetried', { channel }));
      await ctx.events.publish({ type: 'cohort-sync', community, course });
    } else {
      lines.push(i18n.t('cohorts:enroll.inviteRefused', { channel }));
      if (outcome.kind === 'refused') ctx.logger.warn({ refusal: outcome.refusal, community: community.id, course: course.id }, 'course channel invite refused; a moderator must fix it, not retried');
    }
  }
  return lines;
}

/** After an unenrollment: take back the role it was given; Slack channels only when the course says so. */
export async function takeCohort(ctx: CommandContext, course: Course, access: CourseAccess): Promise<string[]> {
  const { store, community, member, i18n } = ctx;
  const lines: string[] = [];
  const grant = await store.cohorts.getGrant(community.id, member.id, course.id);
  await store.cohorts.clearGrant(community.id, member.id, course.id);
  if (!ctx.access) return lines;
  const held = grantWork({ roleId: null, channelId: null }, grant).revoke;
  if (held !== null) {
    const outcome = await attempt(ctx, () => ctx.access!.revokeRole(community, member.externalId, held));
    if (outcome.kind === 'refused') lines.push(i18n.t('cohorts:unenroll.roleKept', { role: await roleLabel(ctx, held) }));
  }
  if (access.channelId !== null && access.channelLeave) {
    await attempt(ctx, () => ctx.access!.removeFromChannel(community, member.externalId, access.channelId!));
  }
  return lines;
}

/** A platform call that failed unexpectedly (network) counts as refused: the member keeps the enrollment. */
async function attempt(ctx: CommandContext, call: () => Promise<GrantOutcome>): Promise<GrantOutcome> {
  try {
    return await call();
  } catch (error) {
    ctx.logger.warn({ err: error, community: ctx.community.id }, 'cohort call to the platform failed; recorded as refused for the retry job');
    return { kind: 'refused', refusal: { code: 'platformError' } };
  }
}
