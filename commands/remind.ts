import { defineCommand } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { reply } from '../src/domain/reply.ts';

/**
 * `/remind off` stops this member's reminders in this community; `/remind on` brings them back.
 * Reminders stay queued either way: each checks the member's choice when it is due, so
 * turning them back on restores the ones still ahead.
 */
export const remindCommand = defineCommand({
  name: 'remind',
  permission: 'member',
  access: 'write',
  options: { state: option.choice(['on', 'off'] as const).optional() },
  async run(ctx, options) {
    const { store, community, member, i18n } = ctx;
    const jobs = ctx.services.jobs();
    const note = jobs === 'running' ? [] : [i18n.t(`commands:remind.jobs.${jobs}`)];
    if (options.state === undefined) {
      return reply({
        visibility: 'ephemeral',
        body: [i18n.t(member.remindersEnabled ? 'commands:remind.statusOn' : 'commands:remind.statusOff'), ...note],
      });
    }
    const enabled = options.state === 'on';
    if (enabled !== member.remindersEnabled) {
      await store.setRemindersEnabled(community.id, member.id, enabled);
      await ctx.events.publish({ type: 'reminders-toggled', community, member: { ...member, remindersEnabled: enabled }, enabled });
    }
    return reply({
      visibility: 'ephemeral',
      tone: 'success',
      body: [i18n.t(enabled ? 'commands:remind.on' : 'commands:remind.off'), ...note],
    });
  },
});
