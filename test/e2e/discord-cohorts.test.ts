import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MANAGE_ROLES, type FakeGuild } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, PERMISSIONS, slashCommand, textOf, type FakeMember, type OptionValue, type SentInteraction } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';

/** Discord escapes markdown in replies (`\@`); assertions read the text as members see it. */
const shown = (text: string) => text.replace(/\\(.)/g, '$1');

describe('Course roles and members-only courses on the fake Discord', () => {
  let bot: RunningBot;
  let guild: FakeGuild;
  const students = snowflake();
  const premium = snowflake();
  const botRole = snowflake();
  const admins = snowflake();
  const mona: FakeMember = { id: snowflake(), username: 'mona', permissions: PERMISSIONS.moderator };
  const ana: FakeMember = { id: snowflake(), username: 'ana' };
  const bo: FakeMember = { id: snowflake(), username: 'bo' };

  beforeAll(async () => {
    bot = await startBot({
      prepare: (fake) => {
        guild = fake.addGuild({
          name: 'Rustaceans',
          // Lowest first: Students and Premium sit below the bot's role, Admins above it.
          roles: [
            { id: students, name: 'Students' },
            { id: premium, name: 'Premium' },
            { id: botRole, name: 'Syllabot', permissions: MANAGE_ROLES, managed: true },
            { id: admins, name: 'Admins' },
          ],
          botRoles: [botRole],
        });
      },
    });
  });
  afterAll(async () => {
    await bot?.close();
  });

  const slash = async (member: FakeMember, command: string, options: Record<string, OptionValue> = {}): Promise<string> => {
    const sent: SentInteraction = slashCommand(bot.fake, guild, member, command, options);
    return shown(textOf(callbackBody(await bot.fake.waitForRequest(isCallback(sent))).data));
  };
  const roleRequests = (method: string, userId: string, roleId: string, since = 0) =>
    bot.fake.requests.slice(since).filter((r) => r.method === method && r.path === `/guilds/${guild.id}/members/${userId}/roles/${roleId}`);
  const communityId = async () => (await bot.core.store.findCommunity({ platform: 'discord', externalId: guild.id }))!.id;

  it('given a course with a role, when a member enrolls and unenrolls, then Discord gets PUT then DELETE', async () => {
    expect(await slash(mona, 'course add', { title: 'Rust 101', role: { role: students } })).toContain('Role for enrollees: @Students');
    const since = bot.fake.requests.length;
    const enrolled = await slash(ana, 'enroll', { course: '1' });
    expect(enrolled).toContain('You now have the @Students role.');
    expect(roleRequests('PUT', ana.id, students, since)).toHaveLength(1);
    expect(bot.fake.rolesOf(guild.id, ana.id).has(students)).toBe(true);
    expect(await slash(ana, 'unenroll', { course: '1' })).toContain("You've left #1 Rust 101");
    expect(roleRequests('DELETE', ana.id, students, since)).toHaveLength(1);
    expect(bot.fake.rolesOf(guild.id, ana.id).has(students)).toBe(false);
  });

  it('given a role above the bot’s, managed or @everyone, when set on a course, then refused with why', async () => {
    const before = bot.fake.requests.length;
    const above = await slash(mona, 'course edit', { course: '1', role: { role: admins } });
    expect(above).toContain("the role @Admins is not below the bot's highest role @Syllabot");
    expect(above).toContain("drag the bot's role above @Admins");
    expect(await slash(mona, 'course edit', { course: '1', role: { role: botRole } })).toContain('@Syllabot is managed by an integration');
    expect(await slash(mona, 'course edit', { course: '1', role: { role: guild.id } })).toContain('@everyone already includes every member');
    // Nothing changed: the course keeps its role, and no member's roles were touched.
    const access = await bot.core.store.cohorts.getCourseAccess(await communityId(), (await bot.core.store.getCourseByNumber(await communityId(), 1))!.id);
    expect(access.roleId).toBe(students);
    expect(bot.fake.requests.slice(before).filter((r) => r.path.includes('/roles/'))).toEqual([]);
  });

  it('given a members-only course, then a member without the role is refused; one with it enrolls', async () => {
    await slash(mona, 'course add', { title: 'Deep Rust', requires: { role: premium } });
    const listed = await slash(ana, 'courses');
    expect(listed).toContain('Members-only: needs @Premium');
    const refused = await slash(ana, 'enroll', { course: '2' });
    expect(refused).toContain('#2 Deep Rust is for members with the @Premium role.');
    expect(refused).toContain('Ask a moderator how to get it.');
    const course = (await bot.core.store.getCourseByNumber(await communityId(), 2))!;
    const anaId = (await bot.core.store.findMember(await communityId(), ana.id))!.id;
    expect(await bot.core.store.isEnrolled(await communityId(), anaId, course.id)).toBe(false);
    // The role comes from Discord's interaction payload, so holding it is all it takes.
    const withRole: FakeMember = { ...ana, roles: [premium] };
    expect(await slash(withRole, 'enroll', { course: '2' })).toContain("You're enrolled in #2 Deep Rust.");
  });

  it('given Discord answers 403 to the grant, then the enrollment stands and the member is told', async () => {
    bot.fake.refuseRoleChanges = true;
    try {
      const enrolled = await slash(bo, 'enroll', { course: '1' });
      expect(enrolled).toContain("You're enrolled in #1 Rust 101.");
      expect(enrolled).toContain('The @Students role could not be given to you right now; your enrollment stands');
      const id = await communityId();
      const course = (await bot.core.store.getCourseByNumber(id, 1))!;
      const boId = (await bot.core.store.findMember(id, bo.id))!.id;
      expect(await bot.core.store.isEnrolled(id, boId, course.id)).toBe(true);
      expect(await bot.core.store.cohorts.getGrant(id, boId, course.id)).toMatchObject({ roleId: students, state: 'refused' });
      const show = await slash(mona, 'course show', { course: '1' });
      expect(show).toContain('Role given to 0 of 1 enrollees');
      expect(show).toContain('1 grant was refused by the platform; it is retried automatically');
    } finally {
      bot.fake.refuseRoleChanges = false;
    }
  });

  it('given the bot lost Manage Roles, when a moderator sets a role, then the refusal names the permission', async () => {
    bot.fake.updateRole(guild, botRole, { permissions: '0' });
    try {
      // Waits for the gateway event to reach the bot's cache (fails only if it never does).
      for (let i = 0; i < 200 && bot.adapter && (await bot.core.access.checkRole({ platform: 'discord', externalId: guild.id }, premium))?.code !== 'missingPermission'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await slash(mona, 'course edit', { course: '1', role: { role: premium } })).toContain('the bot needs the Manage Roles permission');
    } finally {
      bot.fake.updateRole(guild, botRole, { permissions: MANAGE_ROLES });
    }
  });
});
