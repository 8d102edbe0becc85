import { z } from 'zod';
import { defineCommand } from '../src/core/command.ts';
import type { OptionSpec } from '../src/core/options.ts';
import { reply } from '../src/domain/reply.ts';
import { LIMITS } from '../src/domain/limits.ts';

const OFF = 'off';

/** A web page (`https://…`) or `off`. */
const accessUrlOption: OptionSpec<string> = {
  kind: 'string',
  required: true,
  rest: false,
  autocomplete: false,
  maxLength: LIMITS.urlLength,
  schema: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    z.union([z.literal(OFF), z.string().max(LIMITS.urlLength).pipe(z.url({ protocol: /^https?$/, hostname: z.regexes.domain }))]),
  ),
};

/**
 * `/settings access_url:<url>`: where members get a members-only course's role (a payment page).
 * Refusals name it; `off` removes it, and refusals then point to the moderators.
 */
export const settingsAccessUrlCommand = defineCommand({
  group: 'settings',
  name: 'access_url',
  permission: 'moderator',
  access: 'write',
  options: { url: accessUrlOption },
  async run(ctx, options) {
    const { store, community, i18n } = ctx;
    const url = options.url === OFF ? undefined : options.url;
    const updated = await store.updateCommunitySettings(community.id, { accessUrl: url });
    await ctx.events.publish({ type: 'settings-changed', community: updated });
    return reply({ visibility: 'ephemeral', tone: 'success', body: [url ? i18n.t('cohorts:settings.accessUrl', { url }) : i18n.t('cohorts:settings.accessUrlOff')] });
  },
});
