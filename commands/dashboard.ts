import { defineCommand } from '../src/core/command.ts';
import { reply } from '../src/domain/reply.ts';

/** A private, one-time sign-in link to the web dashboard of this community. */
export const dashboardCommand = defineCommand({
  name: 'dashboard',
  permission: 'moderator',
  access: 'read',
  options: {},
  async run(ctx) {
    const links = ctx.analytics.dashboard;
    if (!links) return reply({ visibility: 'ephemeral', tone: 'warning', body: [ctx.i18n.t('analytics:dashboard.off')] });
    const url = links.signInLink({ communityId: ctx.community.id, memberId: ctx.member.id, locale: ctx.i18n.locale });
    return reply({
      visibility: 'ephemeral',
      body: [ctx.i18n.t('analytics:dashboard.link', { community: ctx.community.name, url }), ctx.i18n.t('analytics:dashboard.linkNote')],
    });
  },
});
