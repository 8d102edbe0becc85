import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackHarness, TEAM, USERS, type SlackHarness } from '../fakes/slack/harness.ts';
import { triggerId } from '../fakes/slack/signed-requests.ts';
import { allText, buttonLabelled, buttonsIn, headerText } from '../fakes/slack/blocks.ts';
import { controlSequences } from '../fakes/slack/block-kit.ts';
import { createMessageCatalog } from '../../src/core/i18n.ts';
import { reply } from '../../src/domain/reply.ts';

/**
 * The real Slack adapter (Bolt 4, HTTP receiver) on a free port around a real core and SQLite
 * file, driven by requests signed exactly as Slack signs them, answering through a fake Web API
 * and a response_url listener on 127.0.0.1.
 */
let h: SlackHarness;
const zh = createMessageCatalog().translator('zh-CN');

beforeAll(async () => {
  h = await startSlackHarness();
});
afterAll(async () => {
  await h?.close();
});

/** Runs a slash command as `user` and waits until the adapter has answered it. */
async function command(user: { id: string }, name: string, text = '', extra: { triggerId?: string; channelId?: string } = {}) {
  const url = h.responses.newUrl();
  const body = h.client.commandBody({ command: name, text, userId: user.id, responseUrl: url, ...extra });
  const ack = await h.client.sendForm(body);
  await h.adapter.whenIdle();
  const posts = h.responses.postsTo(url);
  return { ack, body, url, posts, last: posts.at(-1)?.body ?? {} };
}

async function click(user: { id: string }, button: { actionId: string; value: string }, extra: { ephemeral?: boolean; fromHome?: boolean } = {}) {
  const url = h.responses.newUrl();
  const body = h.client.buttonClickBody({ userId: user.id, actionId: button.actionId, value: button.value, ...(extra.fromHome ? {} : { responseUrl: url }), ...extra });
  const ack = await h.client.sendForm(body);
  await h.adapter.whenIdle();
  const posts = h.responses.postsTo(url);
  return { ack, body, posts, last: posts.at(-1)?.body ?? {} };
}

async function courseTitles(): Promise<string[]> {
  const page = await h.store.listCourses(await h.communityId(), { sort: 'number', offset: 0, limit: 1000, includeArchived: true });
  return page.items.map((c) => c.title);
}

async function addCourse(title: string): Promise<number> {
  const course = await h.store.createCourse(await h.communityId(), { title, description: '', url: null, tags: [], value: 1, startsAt: null });
  return course.number;
}

describe('slash commands', () => {
  it('given a member, when they run /help, then Bolt acks at once and the answer comes ephemeral', async () => {
    h.fake.setUser({ id: 'UFRESH0001', name: 'fresh', locale: 'en-US' });
    // users.info is held until the ack has arrived: had the adapter worked before acking, this would never complete.
    const release = h.fake.hold('users.info');
    const url = h.responses.newUrl();
    const ack = await h.client.sendForm(h.client.commandBody({ command: '/help', text: '', userId: 'UFRESH0001', responseUrl: url }));
    expect(ack.status).toBe(200);
    expect(ack.text).toBe('');
    expect(h.responses.postsTo(url)).toHaveLength(0);
    release();
    await h.adapter.whenIdle();
    const [post] = h.responses.postsTo(url);
    expect(post?.problems).toEqual([]);
    expect(post?.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(headerText(post?.body)).toBe('Syllabot commands');
    expect(h.fake.callsTo('users.info').at(-1)).toMatchObject({ token: 'xoxb-fake-bot-token-for-tests', body: { user: 'UFRESH0001', include_locale: 'true' } });
  });

  it('given a workspace admin, when they /course add, then it is stored and announced with buttons', async () => {
    const { ack, last } = await command(USERS.admin, '/course', 'add title:"Rust 101" value:3 tags:rust,systems');
    expect(ack.status).toBe(200);
    expect(last).toMatchObject({ response_type: 'in_channel' });
    expect(headerText(last)).toBe('✅ Added #1 Rust 101.');
    expect(buttonsIn(last).map((b) => b.text)).toEqual(['Enroll', 'Edit']);
    const course = await h.store.getCourseByNumber(await h.communityId(), 1);
    expect(course).toMatchObject({ title: 'Rust 101', value: 3, tags: ['rust', 'systems'] });
    const community = await h.store.findCommunity({ platform: 'slack', externalId: TEAM.id });
    expect(community?.name).toBe(TEAM.name);
  });

  it('given the owner and a SLACK_MODERATOR_IDS member, when each adds a course, then both are moderators', async () => {
    await command(USERS.owner, '/course', 'add title:"Owner course"');
    await command(USERS.listed, '/course', 'add title:"Listed course"');
    expect(await courseTitles()).toEqual(expect.arrayContaining(['Owner course', 'Listed course']));
  });

  it('given a plain member, when they /course add, then they are told it is for moderators, none stored', async () => {
    const before = await courseTitles();
    const { last } = await command(USERS.member, '/course', 'add title:"Sneaky"');
    expect(last).toMatchObject({ response_type: 'ephemeral' });
    expect(allText(last)).toContain('/course add is for moderators only.');
    expect(await courseTitles()).toEqual(before);
  });

  it('given a new member, when their first command is refused, then they count in N and nothing else', async () => {
    h.fake.setUser({ id: 'UNEWBIE001', name: 'newbie' });
    const n = await h.store.countMembers(await h.communityId());
    const before = await courseTitles();
    const { last } = await command({ id: 'UNEWBIE001' }, '/rate', '1 9');
    expect(allText(last)).toContain('stars can be at most 5');
    expect(await h.store.countMembers(await h.communityId())).toBe(n + 1);
    expect(await courseTitles()).toEqual(before);
    const score = await command({ id: 'UNEWBIE001' }, '/score');
    expect(allText(score.last)).toMatch(new RegExp(`Members \\(N\\)\\W+${n + 1}\\b`));
  });

  it('given users.info fails for an admin, when they /course add, then treated as a member, none stored', async () => {
    h.fake.setUser({ id: 'UADMIN0002', name: 'ann', isAdmin: true });
    h.fake.failNext('users.info', 'ratelimited');
    const before = await courseTitles();
    const { last } = await command({ id: 'UADMIN0002' }, '/course', 'add title:"While Slack is down"');
    expect(allText(last)).toContain('is for moderators only');
    expect(await courseTitles()).toEqual(before);
  });

  it('given a member, when they /enroll and click 4★, then the enrollment and the rating are stored', async () => {
    const number = await addCourse('Go in practice');
    const enrolled = await command(USERS.member, '/enroll', String(number));
    expect(enrolled.last).toMatchObject({ response_type: 'ephemeral' });
    expect(buttonsIn(enrolled.last).map((b) => b.text)).toEqual(['1★', '2★', '3★', '4★', '5★', 'Unenroll']);
    const rated = await click(USERS.member, buttonLabelled(enrolled.last, '4★'));
    expect(rated.ack.status).toBe(200);
    expect(rated.last).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(allText(rated.last)).toContain(`You rated #${number} Go in practice 4★.`);
    const mine = await h.store.listMemberCourses(await h.communityId(), (await h.store.upsertMember(await h.communityId(), USERS.member.id, 'Max Member')).id);
    expect(mine.find((m) => m.course.number === number)?.rating?.stars).toBe(4);
  });

  it('given a member, when they type options by name with Slack-escaped text, then it parses as typed', async () => {
    const number = await addCourse('Parsing & Quoting');
    await command(USERS.member, '/enroll', `course:${number}`);
    const { last } = await command(USERS.member, '/rate', `${number} 5 &lt;great&gt; &amp; "so much fun"`);
    expect(allText(last)).toContain(`You rated #${number} Parsing &amp; Quoting 5★.`);
    const member = await h.store.upsertMember(await h.communityId(), USERS.member.id, 'Max Member');
    const mine = await h.store.listMemberCourses(await h.communityId(), member.id);
    expect(mine.find((m) => m.course.number === number)?.rating?.review).toBe('<great> & so much fun');
  });

  it('given a zh-CN member, when they run /help and /enroll, then the replies are in Chinese', async () => {
    const help = await command(USERS.chinese, '/help');
    expect(headerText(help.last)).toBe(zh.t('commands:help.title'));
    const number = await addCourse('中文课程');
    const enrolled = await command(USERS.chinese, '/enroll', `＃${number}`);
    expect(allText(enrolled.last)).toContain(zh.t('commands:enroll.done', { course: `#${number} 中文课程` }));
    expect(buttonsIn(enrolled.last).map((b) => b.text)).toContain(zh.t('common:action.unenroll'));
  });
});

describe('pagination', () => {
  it('given a public list, when a member turns its page, then the page is theirs; their copy is replaced', async () => {
    for (let i = 0; i < 17; i++) await addCourse(`Paged course ${i}`);
    const list = await command(USERS.member, '/courses', 'sort:new');
    expect(list.last).toMatchObject({ response_type: 'in_channel' });
    expect(allText(list.last)).toMatch(/Page 1 of \d+/);
    const next = buttonLabelled(list.last, 'Next ▶');
    expect(next.actionId).toMatch(/^syllabot:page:/);

    const fromPublic = await click(USERS.member, next, { ephemeral: false });
    expect(fromPublic.last).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(allText(fromPublic.last)).toMatch(/Page 2 of \d+/);

    const fromOwn = await click(USERS.member, buttonLabelled(fromPublic.last, 'Next ▶'), { ephemeral: true });
    expect(fromOwn.last).toMatchObject({ replace_original: true });
    expect(fromOwn.last.response_type).toBeUndefined();
    expect(allText(fromOwn.last)).toMatch(/Page 3 of \d+/);
  });
});

describe('modals', () => {
  it('given an admin, when they /course add without options, then a modal opens, one input per option', async () => {
    const trigger = triggerId();
    const { posts } = await command(USERS.admin, '/course', 'add', { triggerId: trigger, channelId: 'C0COURSES' });
    expect(posts).toHaveLength(0);
    const open = h.fake.callsTo('views.open').at(-1)!;
    expect(open.problems).toEqual([]);
    expect(open.body.trigger_id).toBe(trigger);
    const view = open.body.view as { callback_id: string; private_metadata: string; blocks: { block_id: string; optional: boolean }[]; title: { text: string } };
    expect(view.callback_id).toBe('syllabot_form');
    expect(view.title.text).toBe('Add a course');
    expect(view.blocks.map((b) => [b.block_id, b.optional])).toEqual([
      ['title', false],
      ['value', true],
      ['url', true],
      ['description', true],
      ['tags', true],
    ]);
    expect(JSON.parse(view.private_metadata)).toMatchObject({ c: 'course.add', ch: 'C0COURSES' });
  });

  it('given an admin using Slack in Chinese, when /course add opens a modal, then it is in Chinese', async () => {
    h.fake.setUser({ id: 'UZHADMIN01', name: 'wang', displayName: '王管理', isAdmin: true, locale: 'zh-CN' });
    await command({ id: 'UZHADMIN01' }, '/course', 'add', { channelId: 'C0COURSES' });
    const open = h.fake.callsTo('views.open').at(-1)!;
    expect(open.problems).toEqual([]);
    const view = open.body.view as { title: { text: string }; submit: { text: string }; close: { text: string }; blocks: { label: { text: string } }[] };
    expect([view.title.text, view.submit.text, view.close.text]).toEqual([zh.t('commands:course.add.formTitle'), zh.t('common:form.submit'), zh.t('slack:form.cancel')]);
    expect(view.title.text).toBe('添加课程');
    expect(view.blocks.map((b) => b.label.text)).toEqual(['标题', '价值（在总分中的权重）', '链接（https://…）', '简介', '标签，用逗号分隔']);
  });

  it('given a modal with a bad link, then the error is beside the field; fixed, it saves and confirms', async () => {
    await command(USERS.admin, '/course', 'add', { channelId: 'C0COURSES' });
    const view = h.fake.callsTo('views.open').at(-1)!.body.view as Record<string, unknown>;
    const before = await courseTitles();

    const bad = await h.client.sendForm(
      h.client.viewSubmissionBody({ userId: USERS.admin.id, view, values: { title: 'Modal course', value: '2', url: 'not a link', description: null, tags: 'a, b' } }),
    );
    expect(bad.status).toBe(200);
    expect(bad.json).toEqual({ response_action: 'errors', errors: { url: 'url must be a web link starting with https:// or http://.' } });
    expect(await courseTitles()).toEqual(before);

    const ephemeralBefore = h.fake.callsTo('chat.postEphemeral').length;
    const good = await h.client.sendForm(
      h.client.viewSubmissionBody({ userId: USERS.admin.id, view, values: { title: 'Modal course', value: '2', url: 'https://example.com/rust', description: 'From a modal', tags: 'a, b' } }),
    );
    await h.adapter.whenIdle();
    expect(good.status).toBe(200);
    expect(good.text).toBe('');
    expect(await courseTitles()).toEqual([...before, 'Modal course']);
    const posted = h.fake.callsTo('chat.postEphemeral').slice(ephemeralBefore);
    expect(posted).toHaveLength(1);
    expect(posted[0]).toMatchObject({ token: 'xoxb-fake-bot-token-for-tests', body: { channel: 'C0COURSES', user: USERS.admin.id } });
    expect(posted[0]!.problems).toEqual([]);
    expect(allText(posted[0]!.body)).toContain('Added #');
  });

  it('given an admin clicks Edit under their course, then a prefilled modal opens and updates it', async () => {
    const added = await command(USERS.admin, '/course', 'add title:"Before edit" url:https://example.com/before');
    const number = (await h.store.listCourses(await h.communityId(), { sort: 'new', offset: 0, limit: 1 })).items[0]!.number;
    await click(USERS.admin, buttonLabelled(added.last, 'Edit'));
    const view = h.fake.callsTo('views.open').at(-1)!.body.view as { title: { text: string }; blocks: { block_id: string; element: { initial_value?: string } }[] };
    expect(view.title.text).toBe('Edit the course');
    expect(view.blocks.find((b) => b.block_id === 'title')?.element.initial_value).toBe('Before edit');
    expect(view.blocks.find((b) => b.block_id === 'url')?.element.initial_value).toBe('https://example.com/before');
    const submitted = await h.client.sendForm(
      h.client.viewSubmissionBody({ userId: USERS.admin.id, view: view as unknown as Record<string, unknown>, values: { title: 'After edit', value: '1', url: null, description: null, tags: null } }),
    );
    await h.adapter.whenIdle();
    expect(submitted.text).toBe('');
    expect(await h.store.getCourseByNumber(await h.communityId(), number)).toMatchObject({ title: 'After edit', url: 'https://example.com/before' });
  });

  it('given checks outlasting Slack’s 3 s, when submitted, then the modal closes in time, outcome later', async () => {
    await command(USERS.admin, '/course', 'add', { channelId: 'C0COURSES' });
    const view = h.fake.callsTo('views.open').at(-1)!.body.view as Record<string, unknown>;
    h.fake.setUser({ id: 'UADMINSLOW', name: 'slow', isAdmin: true });
    // users.info (the first lookup of this admin) is held past the ack budget.
    const release = h.fake.hold('users.info');
    const ephemeralBefore = h.fake.callsTo('chat.postEphemeral').length;
    const res = await h.client.sendForm(h.client.viewSubmissionBody({ userId: 'UADMINSLOW', view, values: { title: 'Slow but sure', value: null, url: null, description: null, tags: null } }));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(await courseTitles()).not.toContain('Slow but sure');
    release();
    await h.adapter.whenIdle();
    expect(await courseTitles()).toContain('Slow but sure');
    expect(h.fake.callsTo('chat.postEphemeral').slice(ephemeralBefore).map((c) => c.body.user)).toEqual(['UADMINSLOW']);
  });

  it('given views.open fails (expired trigger), then the admin is told how to give options inline', async () => {
    h.fake.failNext('views.open', 'expired_trigger_id');
    const { last } = await command(USERS.admin, '/course', 'add');
    expect(last).toMatchObject({ response_type: 'ephemeral' });
    expect(allText(last)).toContain("I couldn't open the form. Give the options in the command instead: /course add &lt;title&gt; [value]");
  });

  it('given the bot is not in the channel, when a modal succeeds, then the confirmation comes by DM', async () => {
    await command(USERS.admin, '/course', 'add', { channelId: 'C0PRIVATE' });
    const view = h.fake.callsTo('views.open').at(-1)!.body.view as Record<string, unknown>;
    h.fake.failNext('chat.postEphemeral', 'channel_not_found');
    const dmBefore = h.fake.callsTo('chat.postMessage').length;
    await h.client.sendForm(h.client.viewSubmissionBody({ userId: USERS.admin.id, view, values: { title: 'DM confirmed', value: null, url: null, description: null, tags: null } }));
    await h.adapter.whenIdle();
    expect(h.fake.callsTo('conversations.open').at(-1)?.body.users).toBe(USERS.admin.id);
    expect(h.fake.callsTo('chat.postMessage').slice(dmBefore).map((c) => c.body.channel)).toEqual([`D${USERS.admin.id}`]);
  });
});

describe('never trusting the client', () => {
  it('given a forged block action for course.add, then the core refuses it and nothing is stored', async () => {
    const before = await courseTitles();
    const forged = { actionId: 'syllabot:run:0', value: JSON.stringify({ v: 1, c: 'course.add', o: { title: 'Forged by button' } }) };
    const { last } = await click(USERS.member, forged);
    expect(allText(last)).toContain('/course add is for moderators only.');
    expect(await courseTitles()).toEqual(before);
  });

  it('given a forged view submission for course.add, then the modal shows the refusal, none stored', async () => {
    const before = await courseTitles();
    const view = { type: 'modal', callback_id: 'syllabot_form', private_metadata: JSON.stringify({ v: 1, c: 'course.add', o: {} }), blocks: [{ type: 'input', block_id: 'title' }] };
    const res = await h.client.sendForm(h.client.viewSubmissionBody({ userId: USERS.member.id, view, values: { title: 'Forged by modal' } }));
    expect(res.json).toEqual({ response_action: 'errors', errors: { title: '/course add is for moderators only.' } });
    expect(await courseTitles()).toEqual(before);
  });

  it('given a button value we did not write, then the member is told the button no longer works', async () => {
    const { last } = await click(USERS.member, { actionId: 'syllabot:run:0', value: '{"v":99,"c":"course.add"}' });
    expect(allText(last)).toContain('This button no longer works');
  });

  it('given a click on another app’s button, then it is acknowledged and nothing is answered', async () => {
    const calls = h.fake.calls.length;
    const { ack, posts } = await click(USERS.member, { actionId: 'other_app_button', value: 'x' });
    expect(ack.status).toBe(200);
    expect(posts).toEqual([]);
    expect(h.fake.calls.length).toBe(calls);
  });
});

describe('signatures and retries', () => {
  async function snapshot() {
    return { calls: h.fake.calls.length, posts: h.responses.posts.length, titles: await courseTitles() };
  }

  it('given a request signed with the wrong secret, then Bolt answers 401 and nothing changes', async () => {
    const before = await snapshot();
    const body = h.client.commandBody({ command: '/course', text: 'add title:"Wrong secret"', userId: USERS.admin.id, responseUrl: h.responses.newUrl() });
    const res = await h.client.sendForm(body, { secret: 'not-the-signing-secret' });
    await h.adapter.whenIdle();
    expect(res.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('given a correctly signed request older than five minutes, then Bolt answers 401 and nothing changes', async () => {
    const before = await snapshot();
    const body = h.client.commandBody({ command: '/course', text: 'add title:"Stale"', userId: USERS.admin.id, responseUrl: h.responses.newUrl() });
    const res = await h.client.sendForm(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    await h.adapter.whenIdle();
    expect(res.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('given a tampered body under another body\'s valid signature, then Bolt answers 401, no change', async () => {
    const before = await snapshot();
    const signedFor = h.client.buttonClickBody({ userId: USERS.admin.id, actionId: 'syllabot:run:0', value: JSON.stringify({ v: 1, c: 'help', o: {} }), responseUrl: h.responses.newUrl() });
    const tampered = h.client.buttonClickBody({ userId: USERS.admin.id, actionId: 'syllabot:run:0', value: JSON.stringify({ v: 1, c: 'course.add', o: { title: 'Tampered' } }), responseUrl: h.responses.newUrl() });
    const res = await h.client.sendForm(tampered, { signedBody: signedFor });
    await h.adapter.whenIdle();
    expect(res.status).toBe(401);
    expect(await snapshot()).toEqual(before);
  });

  it('given Slack retries a /course add (same trigger id), then it is added and answered once', async () => {
    const url = h.responses.newUrl();
    const body = h.client.commandBody({ command: '/course', text: 'add title:"Added once"', userId: USERS.admin.id, responseUrl: url });
    const first = await h.client.sendForm(body);
    const retry = await h.client.sendForm(body, { retryNum: 1, retryReason: 'http_timeout' });
    await h.adapter.whenIdle();
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect((await courseTitles()).filter((t) => t === 'Added once')).toHaveLength(1);
    expect(h.responses.postsTo(url)).toHaveLength(1);
  });

  it('given a click and a modal submission arrive twice, then each is applied and answered once', async () => {
    const number = await addCourse('Clicked twice');
    const url = h.responses.newUrl();
    const clickBody = h.client.buttonClickBody({ userId: USERS.listed.id, actionId: 'syllabot:run:0', value: JSON.stringify({ v: 1, c: 'enroll', o: { course: String(number) } }), responseUrl: url });
    await h.client.sendForm(clickBody);
    await h.client.sendForm(clickBody, { retryNum: 1, retryReason: 'http_timeout' });
    await h.adapter.whenIdle();
    expect(h.responses.postsTo(url)).toHaveLength(1);
    expect((await h.store.getCourseByNumber(await h.communityId(), number))?.enrolledCount).toBe(1);

    await command(USERS.admin, '/course', 'add');
    const view = h.fake.callsTo('views.open').at(-1)!.body.view as Record<string, unknown>;
    const submission = h.client.viewSubmissionBody({ userId: USERS.admin.id, view, values: { title: 'Submitted twice', value: null, url: null, description: null, tags: null } });
    await h.client.sendForm(submission);
    await h.client.sendForm(submission, { retryNum: 1, retryReason: 'http_timeout' });
    await h.adapter.whenIdle();
    expect((await courseTitles()).filter((t) => t === 'Submitted twice')).toHaveLength(1);
  });

  it('given Slack retries an app_home_opened event (same event id), then the Home tab is published once', async () => {
    const event = { type: 'app_home_opened', user: USERS.member.id, channel: 'D0HOME', tab: 'home', event_ts: '1700000000.1' };
    const body = h.client.eventBody(event, 'Ev0RETRY001');
    const before = h.fake.callsTo('views.publish').length;
    const first = await h.client.sendJson(body);
    const retry = await h.client.sendJson(body, { retryNum: 1, retryReason: 'http_timeout' });
    await h.adapter.whenIdle();
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(h.fake.callsTo('views.publish').length - before).toBe(1);
  });
});

describe('App Home', () => {
  it('given a member with courses, when they open the Home tab, then their courses and the top-rated', async () => {
    await h.client.sendJson(h.client.eventBody({ type: 'app_home_opened', user: USERS.member.id, channel: 'D0HOME', tab: 'home', event_ts: '1' }, 'Ev0HOME0001'));
    await h.adapter.whenIdle();
    const call = h.fake.callsTo('views.publish').at(-1)!;
    expect(call.problems).toEqual([]);
    expect(call.body.user_id).toBe(USERS.member.id);
    const text = allText(call.body.view);
    expect(text).toContain('Your courses');
    expect(text).toContain('Go in practice');
    expect(text).toContain('courses, best rated first.');
    expect(text).toContain('/help');
    expect(buttonsIn(call.body.view).filter((b) => b.actionId.startsWith('syllabot:page:'))).toEqual([]);
  });

  it('given a zh-CN member, when they open the Home tab, then it is in Chinese', async () => {
    await h.client.sendJson(h.client.eventBody({ type: 'app_home_opened', user: USERS.chinese.id, channel: 'D0HOMEZH', tab: 'home', event_ts: '2' }, 'Ev0HOMEZH01'));
    await h.adapter.whenIdle();
    const text = allText(h.fake.callsTo('views.publish').at(-1)!.body.view);
    expect(text).toContain(zh.t('commands:mycourses.title'));
    expect(text).toContain(zh.t('slack:home.intro', { help: '/help' }));
    expect(text).toContain('中文课程');
  });

  it('given the Messages tab is opened, then no Home view is published', async () => {
    const before = h.fake.callsTo('views.publish').length;
    await h.client.sendJson(h.client.eventBody({ type: 'app_home_opened', user: USERS.member.id, channel: 'D0HOME', tab: 'messages', event_ts: '3' }, 'Ev0MSGTAB01'));
    await h.adapter.whenIdle();
    expect(h.fake.callsTo('views.publish').length).toBe(before);
  });

  it('given a button clicked on the Home tab (no response_url), then the answer comes by DM', async () => {
    const number = await addCourse('From home');
    const before = h.fake.callsTo('chat.postMessage').length;
    await click(USERS.owner, { actionId: 'syllabot:run:0', value: JSON.stringify({ v: 1, c: 'enroll', o: { course: String(number) } }) }, { fromHome: true });
    const dm = h.fake.callsTo('chat.postMessage').slice(before);
    expect(dm.map((c) => c.body.channel)).toEqual([`D${USERS.owner.id}`]);
    expect(allText(dm[0]!.body)).toContain(`You're enrolled in #${number} From home.`);
  });
});

describe('mention and markup injection (issue 9)', () => {
  const HOSTILE = '<!channel> <!here> <@U123> <https://evil.example|bank> & <!subteam^S1>';
  const TERMINAL = '\u001b[31mred\u001b[0m';

  it('given hostile titles, descriptions and reviews, when shown anywhere, then they ping no one', async () => {
    // What a member typed arrives from Slack entity-escaped; Slack's own mention markup is turned back into plain words.
    const typed = HOSTILE.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const added = await command(USERS.admin, '/course', `add title:"${typed}" description:"<!everyone> ${typed}"`);
    expect(added.last).toMatchObject({ response_type: 'in_channel' });
    const hostileNumber = (await h.store.listCourses(await h.communityId(), { sort: 'new', offset: 0, limit: 1 })).items[0]!.number;
    const stored = await h.store.getCourseByNumber(await h.communityId(), hostileNumber);
    expect(stored?.title).toBe(HOSTILE);
    expect(stored?.description).toBe(`@everyone ${HOSTILE}`);

    await command(USERS.member, '/enroll', String(hostileNumber));
    await command(USERS.member, '/rate', `${hostileNumber} 5 ${typed}`);
    const replies = [
      added.last,
      (await command(USERS.member, '/courses', 'sort:new')).last,
      (await command(USERS.member, '/score', String(hostileNumber))).last,
      (await command(USERS.member, '/mycourses')).last,
    ];
    for (const out of replies) {
      expect(controlSequences(out)).toEqual([]);
      expect(allText(out)).toContain('&lt;!channel&gt; &lt;!here&gt; &lt;@U123&gt; &lt;https://evil.example|bank&gt; &amp; &lt;!subteam^S1&gt;');
    }
    for (const post of h.responses.posts) expect(post.problems).toEqual([]);
  });

  it('given the issue-9 title with an ANSI colour code, when listed, then no ping and no escape', async () => {
    const title = `@everyone <!channel> ${TERMINAL}`;
    const number = await addCourse(title);
    const { last } = await command(USERS.member, '/score', String(number));
    expect(controlSequences(last)).toEqual([]);
    expect(headerText(last)).toBe(`#${number} @everyone &lt;!channel&gt; red`);
    expect(JSON.stringify(last)).not.toContain('\\u001b');
  });
});

describe('messenger (issue 6): posts from jobs', () => {
  it('given a channel, when a digest is posted, then chat.postMessage has blocks, text and the token', async () => {
    const before = h.fake.calls.length;
    await h.adapter.messenger.postToChannel(
      { platform: 'slack', externalId: TEAM.id },
      'C0DIGEST',
      reply({ visibility: 'public', title: 'Weekly digest <!channel>', body: ['Top course: Rust 101'] }),
    );
    const [call] = h.fake.calls.slice(before);
    expect(call).toMatchObject({ method: 'chat.postMessage', token: 'xoxb-fake-bot-token-for-tests', body: { channel: 'C0DIGEST', parse: 'none', link_names: 'false' } });
    expect(call!.problems).toEqual([]);
    expect(call!.body.text).toBe('Weekly digest &lt;!channel&gt;\nTop course: Rust 101');
    expect(headerText(call!.body)).toBe('Weekly digest &lt;!channel&gt;');
  });

  it('given a member, when a reminder is sent, then conversations.open opens the DM and it posts there', async () => {
    const before = h.fake.calls.length;
    await h.adapter.messenger.sendToMember({ platform: 'slack', externalId: TEAM.id }, USERS.member.id, reply({ visibility: 'ephemeral', body: ['Rust 101 starts in 1 hour'] }));
    const calls = h.fake.calls.slice(before);
    expect(calls.map((c) => c.method)).toEqual(['conversations.open', 'chat.postMessage']);
    expect(calls[0]!.body.users).toBe(USERS.member.id);
    expect(calls[1]!.body.channel).toBe(`D${USERS.member.id}`);
  });

  it('given Slack refuses a post, then the messenger rejects with Slack’s error code', async () => {
    h.fake.failNext('chat.postMessage', 'not_in_channel');
    await expect(h.adapter.messenger.postToChannel({ platform: 'slack', externalId: TEAM.id }, 'C0CLOSED', reply({ visibility: 'public', body: ['x'] }))).rejects.toThrow(
      'Slack chat.postMessage failed: not_in_channel',
    );
  });
});
