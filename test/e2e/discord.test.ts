import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Course } from '../../src/domain/model.ts';
import { reply } from '../../src/domain/reply.ts';
import { decodeCustomId, OverflowTable } from '../../adapters/discord/custom-id.ts';
import { CALLBACK, EPHEMERAL, type FakeGuild, type JsonObject } from '../fakes/discord/fake-discord.ts';
import {
  autocomplete,
  buttonsOf,
  callbackBody,
  clickButton,
  isCallback,
  messageBody,
  PERMISSIONS,
  slashCommand,
  submitModal,
  textOf,
  type CallbackBody,
  type FakeMember,
  type MessageData,
  type SentInteraction,
} from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, until, type RunningBot } from '../fakes/discord/harness.ts';

/** Issue 9: pings no one, shows no colour, formats nothing. */
const HOSTILE_TITLE = '@everyone <@&123> <!channel> \u001b[31mred **free** pizza';
/** Escaped for markdown, with the ANSI colour code dropped whole. */
const HOSTILE_SHOWN = '\\@everyone \\<\\@&123> \\<!channel> red \\*\\*free\\*\\* pizza';

describe('Discord adapter against a local fake Discord', () => {
  let bot: RunningBot;
  let rust: FakeGuild;
  let go: FakeGuild;
  let zhGuild: FakeGuild;
  let fresh: FakeGuild;
  const moderatorRole = snowflake();
  const mona: FakeMember = { id: snowflake(), username: 'mona', globalName: 'Mona', permissions: PERMISSIONS.moderator };
  const ana: FakeMember = { id: snowflake(), username: 'ana', globalName: 'Ana', nick: 'Ana the Rustacean' };
  const rolf: FakeMember = { id: snowflake(), username: 'rolf', roles: [moderatorRole] };
  const li: FakeMember = { id: snowflake(), username: 'li', locale: 'zh-CN' };

  beforeAll(async () => {
    bot = await startBot({
      env: { DISCORD_MODERATOR_ROLE_IDS: moderatorRole },
      prepare: (fake) => {
        rust = fake.addGuild({ name: 'Rustaceans', roles: [{ id: moderatorRole, name: 'Course keepers' }] });
        go = fake.addGuild({ name: 'Gophers' });
        zhGuild = fake.addGuild({ name: '编程社区', locale: 'zh-CN' });
        fresh = fake.addGuild({ name: 'Newcomers' });
      },
    });
  });
  afterAll(async () => {
    await bot?.close();
  });

  const answer = async (sent: SentInteraction): Promise<CallbackBody> => callbackBody(await bot.fake.waitForRequest(isCallback(sent)));
  const slash = (guild: FakeGuild | null, member: FakeMember, command: string, options?: Record<string, string | number | boolean>) =>
    answer(slashCommand(bot.fake, guild, member, command, options));
  const click = (guild: FakeGuild, member: FakeMember, customId: string, on?: MessageData) =>
    answer(clickButton(bot.fake, guild, member, customId, on as JsonObject | undefined));
  const buttonId = (message: MessageData | undefined, label: string): string => {
    const found = buttonsOf(message).find((b) => b.label === label);
    if (!found) throw new Error(`No button "${label}" in ${JSON.stringify(buttonsOf(message))}`);
    return found.customId;
  };
  async function coursesIn(guild: FakeGuild): Promise<Course[]> {
    const community = await bot.core.store.findCommunity({ platform: 'discord', externalId: guild.id });
    if (!community) return [];
    return (await bot.core.store.listCourses(community.id, { sort: 'number', offset: 0, limit: 100, includeArchived: true })).items;
  }

  it('given the fake gateway, when the adapter starts, then it identifies with only Guilds, healthy', () => {
    expect(bot.fake.identifies).toHaveLength(1);
    const [identify] = bot.fake.identifies;
    expect(identify!.intents).toBe(1);
    expect(identify!.shard).toEqual([0, 1]);
    expect(identify!.query.get('encoding')).toBe('json');
    expect(identify!.query.get('v')).toBe('10');
    expect(identify!.query.has('compress')).toBe(false);
    const gateway = bot.fake.requests.find((r) => r.path === '/gateway/bot');
    expect(gateway?.authorization).toBe(`Bot ${bot.fake.token}`);
    expect(bot.adapter.health()).toMatchObject({ ok: true });
  });

  it('given a course titled with mentions, when added, then a public embed answers and pings no one', async () => {
    const body = await slash(rust, mona, 'course add', { title: HOSTILE_TITLE, description: 'Pizza for <@&456> and @here', url: 'https://example.com/pizza' });
    expect(body.type).toBe(CALLBACK.Message);
    const data = body.data!;
    expect(data.flags ?? 0).toBe(0);
    expect(data.allowed_mentions).toEqual({ parse: [] });
    expect(data.embeds![0]!.title).toBe(`Added #1 ${HOSTILE_SHOWN}.`);
    expect(data.embeds![0]!.description).toContain('Pizza for \\<\\@&456> and \\@here');
    expect(data.embeds![0]!.description).toContain('https://example.com/pizza');
    expect(buttonsOf(data).map((b) => b.label)).toEqual(['Enroll', 'Edit']);
    expect((await coursesIn(rust)).map((c) => c.title)).toEqual([HOSTILE_TITLE]);
  });

  it('given a member without Manage Server, when they run /course add, then a private error answers', async () => {
    const body = await slash(rust, ana, 'course add', { title: 'Sneaky' });
    expect(body.type).toBe(CALLBACK.Message);
    expect(body.data!.flags).toBe(EPHEMERAL);
    expect(body.data!.content).toBe('/course add is for moderators only.');
    expect(body.data!.allowed_mentions).toEqual({ parse: [] });
    expect((await coursesIn(rust)).map((c) => c.title)).not.toContain('Sneaky');
  });

  it('given a member without Manage Server, when they forge a course.add action, then the core refuses', async () => {
    const forgedButton = await click(rust, ana, '1r:course.add:title=Forged');
    expect(forgedButton.data!.flags).toBe(EPHEMERAL);
    expect(forgedButton.data!.content).toContain('for moderators only');
    const forgedModal = await answer(submitModal(bot.fake, rust, ana, '1m:course.add:', { title: 'Forged by modal' }));
    expect(forgedModal.data!.flags).toBe(EPHEMERAL);
    expect(forgedModal.data!.content).toContain('for moderators only');
    const forgedArchive = await click(rust, ana, '1r:course.archive:course=1');
    expect(forgedArchive.data!.content).toContain('for moderators only');
    const titles = (await coursesIn(rust)).map((c) => [c.title, c.archived]);
    expect(titles).toEqual([[HOSTILE_TITLE, false]]);
  });

  it('given a new guild, when a member autocompletes then is refused, then only the command counts', async () => {
    const nova: FakeMember = { id: snowflake(), username: 'nova' };
    const typed = await answer(autocomplete(bot.fake, fresh, nova, 'enroll', { name: 'course', value: 'ru' }));
    expect(typed.type).toBe(CALLBACK.Autocomplete);
    expect(await bot.core.store.findCommunity({ platform: 'discord', externalId: fresh.id })).toBeNull();
    const refused = await slash(fresh, nova, 'course add', { title: 'Sneaky' });
    expect(refused.data!.content).toBe('/course add is for moderators only.');
    const community = await bot.core.store.findCommunity({ platform: 'discord', externalId: fresh.id });
    expect(await bot.core.store.countMembers(community!.id)).toBe(1);
    expect(await coursesIn(fresh)).toEqual([]);
    expect(textOf((await slash(fresh, nova, 'score')).data)).toMatch(/Members \(N\)\W+1\b/);
  });

  it('given the moderator role but no Manage Server, when a member adds a course, then it is allowed', async () => {
    const body = await slash(rust, rolf, 'course add', { title: 'Async Rust', tags: 'rust, async' });
    expect(body.data!.flags ?? 0).toBe(0);
    expect(textOf(body.data)).toContain('Added #2 Async Rust.');
  });

  it('given a course, when a member clicks Enroll, then a private confirmation with stars; 4★ rates', async () => {
    const added = await slash(rust, mona, 'course add', { title: 'Ownership in depth' });
    const enrolled = await click(rust, ana, buttonId(added.data, 'Enroll'), added.data);
    expect(enrolled.type).toBe(CALLBACK.Message);
    expect(enrolled.data!.flags).toBe(EPHEMERAL);
    expect(enrolled.data!.content).toContain("You're enrolled in #3 Ownership in depth.");
    expect(buttonsOf(enrolled.data).map((b) => b.label)).toEqual(['1★', '2★', '3★', '4★', '5★', 'Unenroll']);
    const rated = await click(rust, ana, buttonId(enrolled.data, '4★'), enrolled.data);
    expect(rated.data!.flags).toBe(EPHEMERAL);
    expect(rated.data!.content).toContain('You rated #3 Ownership in depth 4★.');
    const course = (await coursesIn(rust)).find((c) => c.number === 3)!;
    expect([course.ratingCount, course.ratingSum, course.enrolledCount]).toEqual([1, 4, 1]);
  });

  it('given more courses than a page, when a member clicks Next, then the public list shows page 2', async () => {
    for (let n = 4; n <= 10; n++) await slash(rust, mona, 'course add', { title: `Course ${n}` });
    const first = await slash(rust, ana, 'courses', { sort: 'new' });
    expect(first.data!.flags ?? 0).toBe(0);
    const embed = first.data!.embeds![0]!;
    expect(embed.title).toBe('Courses');
    expect(embed.footer!.text).toContain('Page 1 of 2');
    expect(embed.fields!.length).toBe(8);
    expect(buttonsOf(first.data).map((b) => [b.label, b.disabled])).toEqual([
      ['◀ Previous', true],
      ['Next ▶', false],
    ]);
    const next = await click(rust, ana, buttonId(first.data, 'Next ▶'), first.data);
    expect(next.type).toBe(CALLBACK.UpdateMessage);
    expect(next.data!.embeds![0]!.footer!.text).toContain('Page 2 of 2');
    expect(next.data!.content).toBe('');
    expect(next.data!.allowed_mentions).toEqual({ parse: [] });
    expect(buttonsOf(next.data).map((b) => [b.label, b.disabled])).toEqual([
      ['◀ Previous', false],
      ['Next ▶', true],
    ]);
  });

  it('given a page turn that fails, when clicked, then the error is private, the shared list unchanged', async () => {
    const body = await click(rust, ana, '1u:courses:sort=new;page=99');
    expect(body.type).toBe(CALLBACK.Message);
    expect(body.data!.flags).toBe(EPHEMERAL);
    expect(body.data!.content).toContain('no page 99');
  });

  it('given courses in one guild, when a member types a course option, then ≤25 of that guild offered', async () => {
    const all = await answer(autocomplete(bot.fake, rust, ana, 'enroll', { name: 'course', value: '' }));
    expect(all.type).toBe(CALLBACK.Autocomplete);
    const choices = (all.data as { choices: { name: string; value: string }[] }).choices;
    expect(choices.length).toBeGreaterThan(5);
    expect(choices.length).toBeLessThanOrEqual(25);
    expect(choices[0]).toEqual({ name: '#1 @everyone <@&123> <!channel> red **free** pizza', value: '1' });
    const prefix = await answer(autocomplete(bot.fake, rust, ana, 'rate', { name: 'course', value: 'own' }, { stars: 5 }));
    expect((prefix.data as { choices: unknown[] }).choices).toEqual([{ name: '#3 Ownership in depth', value: '3' }]);
    const subcommand = await answer(autocomplete(bot.fake, rust, mona, 'course edit', { name: 'course', value: '2' }));
    expect((subcommand.data as { choices: { value: string }[] }).choices[0]!.value).toBe('2');
    const elsewhere = await answer(autocomplete(bot.fake, go, ana, 'enroll', { name: 'course', value: '' }));
    expect((elsewhere.data as { choices: unknown[] }).choices).toEqual([]);
  });

  it('given two guilds with the same member ids, when a course exists in one, then the other never sees it', async () => {
    const courses = await slash(go, ana, 'courses');
    expect(textOf(courses.data)).toContain('No courses yet.');
    const enroll = await slash(go, ana, 'enroll', { course: '1' });
    expect(enroll.data!.flags).toBe(EPHEMERAL);
    expect(enroll.data!.content).toContain('No course matches “1”');
    const mine = await slash(go, ana, 'mycourses');
    expect(textOf(mine.data)).toContain("You're not enrolled in any course yet.");
    const mineHome = await slash(rust, ana, 'mycourses');
    expect(textOf(mineHome.data)).toContain('#3 Ownership in depth');
    expect(await coursesIn(go)).toEqual([]);
  });

  it('given a moderator, when they run /course add without options, then a modal opens and adds it', async () => {
    const opened = await slash(rust, mona, 'course add');
    expect(opened.type).toBe(CALLBACK.Modal);
    const modal = opened.data as unknown as { custom_id: string; title: string; components: { type: number; label: string; component: { custom_id: string; required: boolean } }[] };
    expect(modal.title).toBe('Add a course');
    expect(modal.custom_id).toBe('1m:course.add:');
    expect(modal.components.map((c) => [c.type, c.component.custom_id, c.component.required])).toEqual([
      [18, 'title', true],
      [18, 'value', false],
      [18, 'url', false],
      [18, 'description', false],
      [18, 'tags', false],
    ]);
    const submitted = await answer(submitModal(bot.fake, rust, mona, modal.custom_id, { title: 'Made in a modal', value: '2', url: '', description: 'From the form', tags: 'modal, form' }));
    expect(submitted.type).toBe(CALLBACK.Message);
    expect(submitted.data!.flags ?? 0).toBe(0);
    expect(textOf(submitted.data)).toContain('Added #11 Made in a modal.');
    const course = (await coursesIn(rust)).find((c) => c.number === 11)!;
    expect([course.value, course.url, course.tags]).toEqual([2, null, ['modal', 'form']]);
  });

  it('given a modal with a bad link, when it arrives, then a private error names the field, none added', async () => {
    const before = (await coursesIn(rust)).length;
    const body = await answer(submitModal(bot.fake, rust, mona, '1m:course.add:', { title: 'Bad link', url: 'javascript:alert(1)' }));
    expect(body.data!.flags).toBe(EPHEMERAL);
    expect(textOf(body.data)).toContain('url must be a web link');
    expect((await coursesIn(rust)).length).toBe(before);
  });

  it('given a course, when a moderator clicks Edit, then a prefilled modal updates the course', async () => {
    const added = await slash(rust, mona, 'course add', { title: 'Typo in titel', tags: 'typo' });
    const opened = await click(rust, mona, buttonId(added.data, 'Edit'), added.data);
    expect(opened.type).toBe(CALLBACK.Modal);
    const modal = opened.data as unknown as { custom_id: string; components: { component: { custom_id: string; value?: string } }[] };
    expect(decodeCustomId(modal.custom_id, new OverflowTable())).toEqual({ mode: 'modal', invoke: { command: 'course.edit', options: { course: '12' } } });
    expect(modal.components.find((c) => c.component.custom_id === 'title')!.component.value).toBe('Typo in titel');
    expect(modal.components.find((c) => c.component.custom_id === 'tags')!.component.value).toBe('typo');
    const saved = await answer(submitModal(bot.fake, rust, mona, modal.custom_id, { title: 'Typo in title', value: '1', url: '', description: '', tags: 'typo' }));
    expect(textOf(saved.data)).toContain('Updated #12 Typo in title.');
    // A member cannot edit by replaying the moderator's modal.
    const replay = await answer(submitModal(bot.fake, rust, ana, modal.custom_id, { title: 'Vandalised' }));
    expect(replay.data!.content).toContain('for moderators only');
    expect((await coursesIn(rust)).find((c) => c.number === 12)!.title).toBe('Typo in title');
  });

  it('given a member whose Discord is in Chinese, when they run commands, then replies are in Chinese', async () => {
    const courses = await slash(rust, li, 'courses');
    expect(courses.data!.embeds![0]!.title).toBe('课程');
    const error = await slash(rust, li, 'course add', { title: 'x' });
    expect(error.data!.content).toBe('/course add 仅限管理员使用。');
    // A member locale Syllabot lacks falls back to the server's.
    const french = await slash(zhGuild, { id: snowflake(), username: 'amelie', locale: 'fr' }, 'courses');
    expect(french.data!.embeds![0]!.title).toBe('课程');
    const english = await slash(zhGuild, { id: snowflake(), username: 'eve', locale: 'en-GB' }, 'courses');
    expect(english.data!.embeds![0]!.title).toBe('Courses');
  });

  it('given a moderator using Discord in Chinese, when /course add opens a modal, then it is Chinese', async () => {
    const wang: FakeMember = { id: snowflake(), username: 'wang', locale: 'zh-CN', permissions: PERMISSIONS.moderator };
    const opened = await slash(rust, wang, 'course add');
    expect(opened.type).toBe(CALLBACK.Modal);
    const modal = opened.data as unknown as { title: string; components: { label: string }[] };
    expect(modal.title).toBe('添加课程');
    expect(modal.components.map((c) => c.label)).toEqual(['标题', '价值（在总分中的权重）', '链接（https://…）', '简介', '标签，用逗号分隔']);
  });

  it('given a DM, when a member runs a command, then a friendly ephemeral note says to use a server', async () => {
    const body = await slash(null, ana, 'courses');
    expect(body.data!.flags).toBe(EPHEMERAL);
    expect(body.data!.content).toContain('I work inside servers');
    const zh = await slash(null, li, 'courses');
    expect(zh.data!.content).toContain('服务器');
  });

  it('given a stale or forged custom_id, when clicked, then an ephemeral "run it again" answers', async () => {
    const stale = await click(rust, ana, '1r*doesnotexist');
    expect(stale.data!.flags).toBe(EPHEMERAL);
    expect(stale.data!.content).toContain('no longer works');
    const garbage = await click(rust, ana, 'not-ours');
    expect(garbage.data!.content).toContain('no longer works');
  });

  it('given a malformed gateway interaction, then it is logged and skipped and the bot still answers', async () => {
    const shard = 0;
    bot.fake.sendRawDispatch(shard, 'INTERACTION_CREATE', { id: snowflake(), type: 2, token: 'broken', data: { id: snowflake(), type: 1, name: 'courses' }, guild_id: rust.id });
    const body = await slash(rust, ana, 'help');
    expect(textOf(body.data)).toContain('Syllabot commands');
    expect(bot.logs.some((l) => l.level === 'error' && l.msg === 'discord gateway packet could not be handled; skipped')).toBe(true);
  });

  it('given the core fails unexpectedly, when a command runs, then the member sees the log\'s error id', async () => {
    const router = bot.core.router;
    const original = router.handle.bind(router);
    router.handle = async () => {
      router.handle = original;
      throw new Error('the core fell over');
    };
    const body = await slash(rust, ana, 'courses');
    expect(body.data!.flags).toBe(EPHEMERAL);
    const id = /error id ([0-9a-f]{8})/.exec(body.data!.content ?? '')?.[1];
    expect(id).toBeDefined();
    const logged = bot.logs.find((l) => l.obj.errorId === id);
    expect(logged?.level).toBe('error');
    expect(String((logged?.obj.err as Error).message)).toBe('the core fell over');
    // The process and the connection live on.
    expect(textOf((await slash(rust, ana, 'courses')).data)).toContain('Courses');
  });

  it('given an interaction answered too late, when the reply fails, then it is logged without the token', async () => {
    const sent = slashCommand(bot.fake, rust, ana, 'courses', {}, { expired: true });
    const failure = await until(
      () => bot.logs.find((l) => l.msg === 'discord interaction failed unexpectedly' && (l.obj.interaction as { id: string }).id === sent.id),
      'the failure to be logged',
    );
    expect(failure.obj.err).toMatchObject({ type: 'DiscordAPIError[10062]', code: 10062, status: 404, url: expect.stringContaining(`/interactions/${sent.id}/[token]/callback`) });
    // Telling the member fails the same way; that too is logged, and nothing more happens.
    await until(() => bot.logs.find((l) => l.msg === 'could not tell the member about the failure' && l.obj.errorId === failure.obj.errorId), 'the second failure');
    const next = await slash(rust, ana, 'help');
    expect(textOf(next.data)).toContain('Syllabot commands');
    expect(JSON.stringify(bot.logs)).not.toContain(sent.token);
  });

  it('given a channel post and a DM from a job, when sent, then only the DM member is pinged', async () => {
    const channel = rust.channelId;
    const since = bot.fake.requests.length;
    const hostile = reply({ visibility: 'public', title: HOSTILE_TITLE, body: ['Top courses this week: @everyone'] });
    await bot.core.messengers.postToChannel({ platform: 'discord', externalId: rust.id }, channel, hostile);
    const post = await bot.fake.waitForRequest((r) => r.method === 'POST' && r.path === `/channels/${channel}/messages`, since);
    expect(post.authorization).toBe(`Bot ${bot.fake.token}`);
    expect(messageBody(post).allowed_mentions).toEqual({ parse: [] });
    expect(messageBody(post).embeds![0]!.title).toBe(HOSTILE_SHOWN);

    await bot.core.messengers.sendToMember({ platform: 'discord', externalId: rust.id }, ana.id, reply({ visibility: 'ephemeral', body: ['Your course starts in 1 hour.'] }));
    const open = await bot.fake.waitForRequest((r) => r.method === 'POST' && r.path === '/users/@me/channels', since);
    expect(open.body).toEqual({ recipient_id: ana.id });
    const dm = await bot.fake.waitForRequest((r) => r.method === 'POST' && r.path.startsWith('/channels/') && r.path !== `/channels/${channel}/messages`, since);
    expect(messageBody(dm)).toMatchObject({ content: 'Your course starts in 1 hour.', allowed_mentions: { parse: [], users: [ana.id] } });
    // A second DM reuses the channel.
    await bot.core.messengers.sendToMember({ platform: 'discord', externalId: rust.id }, ana.id, reply({ visibility: 'public', body: ['Rate it?'] }));
    expect(bot.fake.requests.slice(since).filter((r) => r.path === '/users/@me/channels')).toHaveLength(1);
  });

  it('given every answer of this suite, when inspected, then each carried allowed_mentions parse []', () => {
    const messages = bot.fake.requests.filter((r) => ['POST', 'PATCH'].includes(r.method) && (r.path.startsWith('/interactions/') || r.path.startsWith('/webhooks/') || r.path.includes('/messages')));
    const bodies = messages
      .map((r) => (r.path.endsWith('/callback') ? (r.body as { type: number; data?: JsonObject }) : { type: CALLBACK.Message, data: r.body as JsonObject }))
      .filter((b) => b.type === CALLBACK.Message || b.type === CALLBACK.UpdateMessage);
    expect(bodies.length).toBeGreaterThan(30);
    for (const body of bodies) {
      const mentions = body.data!.allowed_mentions as { parse: string[]; users?: string[] };
      expect(mentions.parse).toEqual([]);
      expect(mentions.users ?? []).toEqual(mentions.users ? [ana.id] : []);
    }
    console.log(`allowed_mentions checked on ${bodies.length} messages`);
  });

  it('given the adapter is stopped, when stop() returns, then the gateway closed and health says so', async () => {
    await bot.adapter.stop();
    expect(bot.fake.gatewayCloses.map((c) => c.code)).toContain(1000);
    expect(bot.adapter.health().ok).toBe(false);
  });
});
