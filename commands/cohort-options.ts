import { option } from '../src/core/options.ts';
import type { CommandContext } from '../src/core/command.ts';
import { describeRefusal } from '../src/core/cohorts.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import type { CourseAccessPatch } from '../src/ports/store/index.ts';

/** The cohort options `/course add` and `/course edit` share (issue 17). */
export const cohortOptions = {
  role: option.role().optional(),
  channel: option.channel().optional(),
  requires: option.role().optional(),
  channel_leave: option.boolean().optional(),
};

export const REMOVABLE = ['role', 'channel', 'requires'] as const;
export type Removable = (typeof REMOVABLE)[number];

export interface CohortInput {
  role?: string | undefined;
  channel?: string | undefined;
  requires?: string | undefined;
  channel_leave?: boolean | undefined;
  remove?: Removable | undefined;
}

/**
 * Turns the cohort options into a patch, after the platform confirmed the bot can act on them:
 * a role the bot cannot grant or a channel it cannot invite to is refused with what to change,
 * before anything is written.
 */
export async function cohortPatch(ctx: CommandContext, input: CohortInput): Promise<CourseAccessPatch> {
  const patch: CourseAccessPatch = {};
  const given = input.role !== undefined || input.channel !== undefined || input.requires !== undefined || input.channel_leave !== undefined || input.remove !== undefined;
  if (!given) return patch;
  const access = ctx.access;
  if (!access) throw new UserError(UserErrorCode.CohortsUnavailable);
  const refuse = (option: string, refusal: Parameters<typeof describeRefusal>[1]): never => {
    throw new UserError(UserErrorCode.AccessRefused, { reason: describeRefusal(ctx.i18n, refusal) }, option);
  };
  const resolve = async (option: string, typed: string): Promise<string> => {
    const id = await access.resolveRole(ctx.community, typed);
    if (id === null) throw new UserError(UserErrorCode.UnknownRole, { role: typed }, option);
    if (typeof id === 'object') return refuse(option, id);
    return id;
  };
  if (input.role !== undefined) {
    const roleId = await resolve('role', input.role);
    const refusal = await access.checkRole(ctx.community, roleId);
    if (refusal) refuse('role', refusal);
    patch.roleId = roleId;
  }
  if (input.requires !== undefined) patch.requiredRoleId = await resolve('requires', input.requires);
  if (input.channel !== undefined) {
    const refusal = await access.checkChannel(ctx.community, input.channel);
    if (refusal) refuse('channel', refusal);
    patch.channelId = input.channel;
  }
  if (input.channel_leave !== undefined) patch.channelLeave = input.channel_leave;
  if (input.remove === 'role') patch.roleId = null;
  if (input.remove === 'channel') patch.channelId = null;
  if (input.remove === 'requires') patch.requiredRoleId = null;
  return patch;
}
