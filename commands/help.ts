import { defineCommand, type Command } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { commandLabel, describeOptions, usageOf } from '../src/core/usage.ts';
import { reply } from '../src/domain/reply.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import { LIMITS } from '../src/domain/limits.ts';

export const helpCommand = defineCommand({
  name: 'help',
  permission: 'member',
  access: 'read',
  options: { command: option.string({ maxLength: LIMITS.helpTopicLength, rest: true }).optional() },
  async run(ctx, options) {
    const { i18n, commands } = ctx;
    if (options.command) {
      const id = options.command.replace(/^\//, '').trim().toLowerCase().split(/\s+/).join('.');
      const matches: Command[] = commands.get(id) ? [commands.get(id)!] : commands.subcommands(id);
      if (matches.length === 0) throw new UserError(UserErrorCode.UnknownCommand, { command: options.command });
      return reply({
        visibility: 'ephemeral',
        title: i18n.t('commands:help.commandTitle', { command: commandLabel({ id }, ctx.surface.commandPrefix) }),
        body: [],
        sections: matches.map((command) => ({
          title: usageOf(command, ctx.surface.commandPrefix),
          lines: [
            i18n.t(`commands:${command.id}.description`),
            ...(command.permission === 'moderator' ? [i18n.t('commands:help.moderatorOnly')] : []),
            ...describeOptions(command, i18n),
          ],
        })),
        footer: i18n.t('commands:help.textForm'),
      });
    }
    const visible = commands.list().filter((c) => c.permission === 'member' || ctx.isModerator);
    const jobs = ctx.services.jobs();
    return reply({
      visibility: 'ephemeral',
      title: i18n.t('commands:help.title'),
      body: [i18n.t('commands:help.intro')],
      fields: visible.map((command) => ({
        label:
          command.permission === 'moderator'
            ? i18n.t('commands:help.moderatorCommand', { command: commandLabel(command, ctx.surface.commandPrefix) })
            : commandLabel(command, ctx.surface.commandPrefix),
        value: i18n.t(`commands:${command.id}.description`),
      })),
      sections: [
        { title: i18n.t('commands:help.rankingTitle'), lines: [i18n.t('commands:help.ranking', { weight: ctx.settings.priorWeight })] },
        { title: i18n.t('commands:help.scoreTitle'), lines: [i18n.t('commands:help.score')] },
        ...(jobs === 'running' ? [] : [{ title: i18n.t('commands:help.jobsTitle'), lines: [i18n.t(`commands:help.jobs.${jobs}`)] }]),
      ],
      footer: i18n.t('commands:help.footer'),
    });
  },
});
