import { defineCommand, type CommandContext } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { reply, type Reply } from '../src/domain/reply.ts';
import { clip, LIMITS } from '../src/domain/limits.ts';
import type { Member } from '../src/domain/model.ts';
import { communityScore } from '../src/domain/score.ts';
import { UserError, UserErrorCode } from '../src/domain/errors.ts';
import type { MemberData } from '../src/ports/store/privacy.ts';
import { courseName } from '../src/domain/course-name.ts';
import { commandLabel } from '../src/core/usage.ts';

const CANDIDATES = 5;
/** Sections list at most this many enrollments or ratings; the export holds all of them. */
const SHOWN = 15;

/**
 * `/privacy`: what Syllabot keeps about a member in this community, as text or as a JSON file,
 * and erasing it after a confirmation. Moderators may name another member (`member:`), for
 * someone who left the community.
 */
export const privacyCommand = defineCommand({
  name: 'privacy',
  permission: 'member',
  access: 'write',
  options: {
    action: option.choice(['show', 'export', 'delete'] as const).optional(),
    member: option.string({ maxLength: LIMITS.displayNameLength }).optional(),
    confirm: option.boolean().optional(),
  },
  async run(ctx, options) {
    const target = await targetMember(ctx, options.member);
    if ('reply' in target) return target.reply;
    const { member } = target;
    switch (options.action ?? 'show') {
      case 'show':
        return show(ctx, await ctx.store.memberData(ctx.community.id, member.id), options.member !== undefined);
      case 'export':
        return exportData(ctx, await ctx.store.memberData(ctx.community.id, member.id));
      case 'delete':
        return options.confirm === true ? erase(ctx, member, options.member !== undefined) : confirmErase(ctx, member, options.member);
    }
  },
});

async function targetMember(ctx: CommandContext, name: string | undefined): Promise<{ member: Member } | { reply: Reply }> {
  const { i18n } = ctx;
  if (name === undefined) return { member: ctx.member };
  if (!ctx.isModerator) throw new UserError(UserErrorCode.ModeratorOnly, { command: `${commandLabel({ id: 'privacy' }, ctx.surface.commandPrefix)} member:` });
  const found = await ctx.store.findMembersByName(ctx.community.id, name, CANDIDATES + 1);
  const exact = found.filter((m) => m.externalId === name);
  if (exact.length === 1) return { member: exact[0]! };
  if (found.length === 1) return { member: found[0]! };
  if (found.length === 0) return { reply: reply({ visibility: 'ephemeral', tone: 'error', body: [i18n.t('privacy:notFound', { name })] }) };
  return {
    reply: reply({
      visibility: 'ephemeral',
      tone: 'warning',
      body: [i18n.t('privacy:ambiguous', { name })],
      sections: [{ title: i18n.t('privacy:candidates'), lines: found.slice(0, CANDIDATES).map((m) => i18n.t('privacy:candidate', { name: m.displayName, id: m.externalId })) }],
    }),
  };
}

function show(ctx: CommandContext, data: MemberData, aboutSomeoneElse: boolean): Reply {
  const { i18n } = ctx;
  const { member } = data;
  const more = (count: number) => (count > SHOWN ? [i18n.t('privacy:more', { count: count - SHOWN })] : []);
  return reply({
    visibility: 'ephemeral',
    title: i18n.t(aboutSomeoneElse ? 'privacy:titleOther' : 'privacy:title', { name: member.displayName }),
    body: [i18n.t('privacy:intro', { community: ctx.community.name })],
    fields: [
      { label: i18n.t('privacy:displayName'), value: member.displayName, inline: true },
      { label: i18n.t('privacy:platformId', { platform: ctx.platform }), value: member.externalId, inline: true },
      { label: i18n.t('privacy:firstSeen'), value: i18n.dateTime(member.joinedAt), inline: true },
      { label: i18n.t('privacy:reminders'), value: i18n.t(member.remindersEnabled ? 'privacy:on' : 'privacy:off'), inline: true },
    ],
    sections: [
      {
        title: i18n.t('privacy:enrollments', { count: data.enrollments.length }),
        lines:
          data.enrollments.length === 0
            ? [i18n.t('privacy:none')]
            : [...data.enrollments.slice(0, SHOWN).map((e) => i18n.t('privacy:enrollment', { course: courseName(e.course), when: i18n.dateTime(e.enrolledAt) })), ...more(data.enrollments.length)],
      },
      {
        title: i18n.t('privacy:ratings', { count: data.ratings.length }),
        lines:
          data.ratings.length === 0
            ? [i18n.t('privacy:none')]
            : [
                ...data.ratings
                  .slice(0, SHOWN)
                  .map((r) =>
                    r.review
                      ? i18n.t('privacy:ratingWithReview', { course: courseName(r.course), stars: r.stars, review: clip(r.review, 120) })
                      : i18n.t('privacy:rating', { course: courseName(r.course), stars: r.stars }),
                  ),
                ...more(data.ratings.length),
              ],
      },
    ],
    footer: i18n.t('privacy:where'),
  });
}

/** The member's data as a JSON document: the same facts as `show`, complete. */
export function memberExport(ctx: Pick<CommandContext, 'community' | 'platform'>, data: MemberData, exportedAt: Date): Record<string, unknown> {
  const { member } = data;
  return {
    exportedAt: exportedAt.toISOString(),
    community: { platform: ctx.platform, id: ctx.community.externalId, name: ctx.community.name },
    member: { platformId: member.externalId, displayName: member.displayName, firstSeen: member.joinedAt.toISOString(), remindersEnabled: member.remindersEnabled },
    enrollments: data.enrollments.map((e) => ({ course: e.course.number, title: e.course.title, enrolledAt: e.enrolledAt.toISOString() })),
    ratings: data.ratings.map((r) => ({ course: r.course.number, title: r.course.title, stars: r.stars, review: r.review, ratedAt: r.updatedAt.toISOString() })),
  };
}

function exportData(ctx: CommandContext, data: MemberData): Reply {
  const { i18n } = ctx;
  const json = `${JSON.stringify(memberExport(ctx, data, ctx.clock.now()), null, 2)}\n`;
  return reply({
    visibility: 'ephemeral',
    tone: 'success',
    body: [i18n.t('privacy:exported', { enrollments: data.enrollments.length, ratings: data.ratings.length })],
    // Discord attaches it to the ephemeral answer, Slack uploads it to the member's direct
    // messages, the console writes it under ./exports/.
    files: [{ name: `syllabot-${ctx.platform}-${ctx.community.externalId}-${data.member.externalId}.json`, contentType: 'application/json', content: new TextEncoder().encode(json) }],
  });
}

function confirmErase(ctx: CommandContext, member: Member, name: string | undefined): Reply {
  const { i18n } = ctx;
  return reply({
    visibility: 'ephemeral',
    tone: 'warning',
    body: [i18n.t(name === undefined ? 'privacy:confirm' : 'privacy:confirmOther', { name: member.displayName })],
    actions: [
      [
        {
          label: i18n.t('privacy:deleteButton'),
          style: 'danger',
          invoke: { command: 'privacy', options: { action: 'delete', confirm: true, ...(name === undefined ? {} : { member: member.externalId }) } },
        },
      ],
    ],
  });
}

async function erase(ctx: CommandContext, member: Member, aboutSomeoneElse: boolean): Promise<Reply> {
  const { store, community, i18n } = ctx;
  const erased = await store.eraseMember(community.id, member.id);
  await ctx.events.publish({ type: 'member-erased', community, member, courses: erased.enrolledCourses });
  const [courses, members] = await Promise.all([store.listActiveCourses(community.id), store.countMembers(community.id)]);
  const score = communityScore(members, courses);
  ctx.logger.info({ community: community.id, erased: { enrollments: erased.enrollments, ratings: erased.ratings } }, 'member data erased on request');
  return reply({
    visibility: 'ephemeral',
    tone: 'success',
    body: [
      i18n.t(aboutSomeoneElse ? 'privacy:deletedOther' : 'privacy:deleted', { name: member.displayName }),
      i18n.t('privacy:deletedCounts', { enrollments: erased.enrollments, ratings: erased.ratings, reviews: erased.reviews }),
      i18n.t('privacy:deletedReminders'),
      i18n.t('privacy:scoreNow', { score: i18n.number(score.score, 2), members: i18n.number(members) }),
    ],
  });
}
