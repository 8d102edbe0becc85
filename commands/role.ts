import { z } from 'zod';
import { defineCommand } from '../src/core/command.ts';
import { option, type OptionSpec } from '../src/core/options.ts';
import { reply } from '../src/domain/reply.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';

/** `@ana` or `ana`: a console member's name, as `@ana /enroll 3` acts as them. */
const memberOption: OptionSpec<string> = {
  kind: 'string',
  required: true,
  rest: false,
  autocomplete: false,
  maxLength: 64,
  schema: z.preprocess((v) => (typeof v === 'string' ? v.trim().replace(/^@/, '') : v), z.string().regex(/^[^\s@/]{1,64}$/)),
};

/**
 * Console roles, so members-only courses and course roles can be tried without a platform.
 * Discord and Slack keep roles themselves: there the command says where to manage them.
 */
function roleCommand(name: 'grant' | 'revoke') {
  return defineCommand({
    group: 'role',
    name,
    permission: 'moderator',
    access: 'write',
    options: { member: memberOption, role: option.role().required() },
    async run(ctx, options) {
      const { store, community, i18n } = ctx;
      if (ctx.platform !== 'console') throw new UserError(UserErrorCode.RolesOnPlatform);
      const changed =
        name === 'grant'
          ? await store.cohorts.grantConsoleRole(community.id, options.member, options.role)
          : await store.cohorts.revokeConsoleRole(community.id, options.member, options.role);
      const vars = { member: `@${options.member}`, role: `@${options.role}` };
      return reply({
        visibility: 'ephemeral',
        ...(changed ? { tone: 'success' as const } : {}),
        body: [i18n.t(`cohorts:role.${name}.${changed ? 'done' : 'unchanged'}`, vars)],
      });
    },
  });
}

export const roleGrantCommand = roleCommand('grant');
export const roleRevokeCommand = roleCommand('revoke');
