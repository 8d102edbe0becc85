import { z } from 'zod';
import { defineCommand, type CommandContext } from '../src/core/command.ts';
import { option, type OptionSpec } from '../src/core/options.ts';
import { matchLocale } from '../src/core/i18n.ts';
import { reply, type Field, type Reply } from '../src/domain/reply.ts';
import { LOCALES, type Community, type Locale } from '../src/domain/model.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import { canonicalTimeZone, checkSchedule, nextRuns } from '../src/domain/schedule.ts';

const OFF = 'off';

/**
 * `en` or `zh-CN`, also accepting how people write them (`zh`, `zh_cn`, `EN`). The built-in
 * choice option lowercases its input, which would never match `zh-CN`.
 */
const localeOption: OptionSpec<Locale> = {
  kind: 'string',
  required: true,
  rest: false,
  autocomplete: false,
  choices: LOCALES,
  schema: z.preprocess((v) => (typeof v === 'string' ? (matchLocale(v.trim()) ?? v) : v), z.enum(LOCALES)),
};

export const settingsDigestCommand = defineCommand({
  group: 'settings',
  name: 'digest',
  permission: 'moderator',
  access: 'write',
  options: {
    channel: option.channel().optional(),
    schedule: option.string({ maxLength: 100 }).optional(),
    timezone: option.string({ maxLength: 64 }).optional(),
  },
  async run(ctx, options) {
    const { store, community, i18n } = ctx;
    const current = community.settings.digest;
    // `/settings digest off` arrives with "off" as the channel in text form.
    const turnOff = options.schedule?.toLowerCase() === OFF || (options.channel?.toLowerCase() === OFF && !options.schedule && !options.timezone);
    if (turnOff) {
      if (!current) return reply({ visibility: 'ephemeral', body: [i18n.t('commands:settings.digest.alreadyOff')] });
      const updated = await store.updateCommunitySettings(community.id, { digest: undefined });
      await ctx.events.publish({ type: 'settings-changed', community: updated });
      return reply({ visibility: 'ephemeral', tone: 'success', body: [i18n.t('commands:settings.digest.off')] });
    }
    if (options.channel === undefined && options.schedule === undefined && options.timezone === undefined) {
      if (!current) throw new UserError(UserErrorCode.MissingOption, { option: 'channel' }, 'channel');
      return showSettings(ctx, community);
    }

    const channelId = options.channel ?? current?.channelId;
    if (!channelId) throw new UserError(UserErrorCode.MissingOption, { option: 'channel' }, 'channel');
    const zoneInput = options.timezone ?? current?.timezone ?? 'UTC';
    const timezone = canonicalTimeZone(zoneInput);
    if (!timezone) throw new UserError(UserErrorCode.InvalidTimezone, { timezone: zoneInput }, 'timezone');
    const scheduleInput = options.schedule ?? current?.schedule;
    if (!scheduleInput) throw new UserError(UserErrorCode.MissingOption, { option: 'schedule' }, 'schedule');
    const checked = checkSchedule(scheduleInput, timezone);
    if (!checked.ok && checked.reason === 'invalid') throw new UserError(UserErrorCode.InvalidCron, { schedule: scheduleInput }, 'schedule');
    if (!checked.ok) {
      return reply({ visibility: 'ephemeral', tone: 'error', body: [i18n.t('commands:settings.digest.tooFrequent', { schedule: scheduleInput })] });
    }

    const updated = await store.updateCommunitySettings(community.id, { digest: { channelId, schedule: checked.schedule, timezone } });
    // Jobs listen and replace this community's digest scheduler.
    await ctx.events.publish({ type: 'settings-changed', community: updated });
    const next = nextRuns(checked.schedule, timezone, ctx.clock.now(), 1)[0]!;
    return reply({
      visibility: 'ephemeral',
      tone: 'success',
      body: [
        i18n.t('commands:settings.digest.done', { channel: channelId, schedule: checked.schedule, timezone }),
        i18n.t('commands:settings.digest.next', { when: i18n.dateTime(next, timezone), timezone }),
        ...jobsNote(ctx),
      ],
      footer: i18n.t('commands:settings.digest.previewHint'),
    });
  },
});

export const settingsLocaleCommand = defineCommand({
  group: 'settings',
  name: 'locale',
  permission: 'moderator',
  access: 'write',
  options: { locale: localeOption },
  async run(ctx, options) {
    const { store, community, i18n } = ctx;
    const updated = await store.updateCommunitySettings(community.id, { locale: options.locale });
    await ctx.events.publish({ type: 'settings-changed', community: updated });
    return reply({
      visibility: 'ephemeral',
      tone: 'success',
      body: [
        i18n.t('commands:settings.locale.done', { language: i18n.t(`commands:settings.languages.${options.locale}`), locale: options.locale }),
        i18n.t('commands:settings.locale.explain'),
      ],
    });
  },
});

export const settingsShowCommand = defineCommand({
  group: 'settings',
  name: 'show',
  permission: 'member',
  access: 'read',
  options: {},
  async run(ctx) {
    return showSettings(ctx, ctx.community);
  },
});

function showSettings(ctx: CommandContext, community: Community): Reply {
  const { i18n } = ctx;
  const { locale, digest } = community.settings;
  const fields: Field[] = [
    {
      label: i18n.t('commands:settings.show.language'),
      value: locale
        ? i18n.t('commands:settings.show.languageValue', { language: i18n.t(`commands:settings.languages.${locale}`), locale })
        : i18n.t('commands:settings.show.languageUnset', { language: i18n.t('commands:settings.languages.en') }),
    },
  ];
  if (digest) {
    const next = safeNextRun(digest.schedule, digest.timezone, ctx.clock.now());
    fields.push(
      { label: i18n.t('commands:settings.show.digestChannel'), value: `#${digest.channelId}`, inline: true },
      { label: i18n.t('commands:settings.show.digestSchedule'), value: digest.schedule, inline: true },
      { label: i18n.t('commands:settings.show.digestTimezone'), value: digest.timezone, inline: true },
    );
    if (next) {
      fields.push({
        label: i18n.t('commands:settings.show.digestNext'),
        value: i18n.t('commands:settings.show.digestNextValue', { when: i18n.dateTime(next, digest.timezone), timezone: digest.timezone }),
      });
    }
  } else {
    fields.push({ label: i18n.t('commands:settings.show.digest'), value: i18n.t('commands:settings.show.digestOff') });
  }
  if (community.settings.accessUrl) fields.push({ label: i18n.t('cohorts:settings.accessUrlLabel'), value: community.settings.accessUrl });
  fields.push({ label: i18n.t('commands:settings.show.jobs'), value: i18n.t(`commands:settings.jobs.${ctx.services.jobs()}`) });
  return reply({
    visibility: 'ephemeral',
    title: i18n.t('commands:settings.show.title', { community: community.name }),
    body: [],
    fields,
    footer: i18n.t('commands:settings.show.footer'),
  });
}

function safeNextRun(schedule: string, timeZone: string, from: Date): Date | null {
  try {
    return nextRuns(schedule, timeZone, from, 1)[0] ?? null;
  } catch {
    return null;
  }
}

/** What the moderator should know when the job queue will not act on the change right away. */
function jobsNote(ctx: CommandContext): string[] {
  const state = ctx.services.jobs();
  return state === 'running' ? [] : [ctx.i18n.t(`commands:settings.saved.${state}`)];
}
