import { defineCommand } from '../src/core/command.ts';
import { buildDigest } from '../src/core/digest.ts';
import { UserErrorCode } from '../src/domain/errors.ts';
import { digestPeriod } from '../src/domain/schedule.ts';

export const digestNowCommand = defineCommand({
  group: 'digest',
  name: 'now',
  permission: 'member',
  access: 'read',
  options: {},
  async run(ctx) {
    const { community, i18n } = ctx;
    const preview = await buildDigest({
      store: ctx.store,
      community,
      i18n,
      period: digestPeriod(community, ctx.clock.now()),
      priorWeight: ctx.settings.priorWeight,
    });
    const configured = community.settings.digest;
    return {
      ...preview,
      visibility: 'ephemeral',
      body: [i18n.t('commands:digest.now.preview'), ...preview.body],
      footer: configured
        ? i18n.t('commands:digest.now.scheduled', { channel: configured.channelId, schedule: configured.schedule, timezone: configured.timezone })
        : i18n.t(`errors:${UserErrorCode.DigestNotConfigured}`),
    };
  },
});
