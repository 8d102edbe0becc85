import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCustomId, OverflowTable } from '../../adapters/discord/custom-id.ts';
import { CALLBACK, EPHEMERAL, type FakeGuild, type JsonObject, type RecordedRequest } from '../fakes/discord/fake-discord.ts';
import {
  buttonsOf,
  callbackBody,
  clickButton,
  isCallback,
  isFollowUp,
  isOriginalDelete,
  isOriginalEdit,
  messageBody,
  PERMISSIONS,
  slashCommand,
  submitModal,
  textOf,
  type FakeMember,
  type SentInteraction,
} from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';

/**
 * With `deferAfterMs: 0` the adapter treats every command as slow: it defers first (within
 * Discord's 3 s, whatever the core does) and edits or follows up afterwards. This exercises the
 * paths a slow store or a busy process takes, without timing anything.
 */
describe('Discord adapter when the core is slow (every interaction deferred)', () => {
  let bot: RunningBot;
  let guild: FakeGuild;
  const mona: FakeMember = { id: snowflake(), username: 'mona', permissions: PERMISSIONS.moderator };
  const ana: FakeMember = { id: snowflake(), username: 'ana' };

  beforeAll(async () => {
    bot = await startBot({ adapter: { deferAfterMs: 0 }, prepare: (fake) => (guild = fake.addGuild({ name: 'Slowpokes' })) });
  });
  afterAll(async () => {
    await bot?.close();
  });

  const wait = (match: (r: RecordedRequest) => boolean) => bot.fake.waitForRequest(match);
  const deferral = async (sent: SentInteraction) => callbackBody(await wait(isCallback(sent)));

  it('given a usually public command, when deferred, then it defers publicly and edits @original', async () => {
    const sent = slashCommand(bot.fake, guild, mona, 'course add', { title: 'Slow but sure' });
    const first = await deferral(sent);
    expect(first).toEqual({ type: CALLBACK.DeferredMessage, data: { flags: 0 } });
    const edit = messageBody(await wait(isOriginalEdit(sent)));
    expect(textOf(edit)).toContain('Added #1 Slow but sure.');
    expect(edit.allowed_mentions).toEqual({ parse: [] });
    expect(edit.content).toBe('');
    expect(buttonsOf(edit).map((b) => b.label)).toEqual(['Enroll', 'Edit']);
  });

  it('given a usually private command, when deferred, then the deferral is ephemeral and so is the answer', async () => {
    const sent = slashCommand(bot.fake, guild, ana, 'mycourses');
    expect(await deferral(sent)).toEqual({ type: CALLBACK.DeferredMessage, data: { flags: EPHEMERAL } });
    expect(textOf(messageBody(await wait(isOriginalEdit(sent))))).toContain("You're not enrolled in any course yet.");
  });

  it('given a deferral guessed public, when the answer is a private error, then it follows up privately', async () => {
    const sent = slashCommand(bot.fake, guild, ana, 'score', { course: '999' });
    expect((await deferral(sent)).data).toEqual({ flags: 0 });
    const followUp = messageBody(await wait(isFollowUp(sent)));
    expect(followUp.flags).toBe(EPHEMERAL);
    expect(followUp.content).toContain('No course matches “999”');
    expect(followUp.allowed_mentions).toEqual({ parse: [] });
    await wait(isOriginalDelete(sent));
    expect(bot.fake.requestsFor(sent).filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('given a page-turn button, when deferred, then it is a deferred update and the list message is edited', async () => {
    for (let n = 2; n <= 9; n++) await wait(isOriginalEdit(slashCommand(bot.fake, guild, mona, 'course add', { title: `Course ${n}` })));
    const list = slashCommand(bot.fake, guild, ana, 'courses', { sort: 'new' });
    const page1 = messageBody(await wait(isOriginalEdit(list)));
    const next = buttonsOf(page1).find((b) => b.label === 'Next ▶')!;
    const sent = clickButton(bot.fake, guild, ana, next.customId, page1 as unknown as JsonObject);
    expect(await deferral(sent)).toEqual({ type: CALLBACK.DeferredUpdate });
    const edit = messageBody(await wait(isOriginalEdit(sent)));
    expect(edit.embeds![0]!.footer!.text).toContain('Page 2 of 2');
  });

  it('given a deferred page turn that fails, then the error is a private follow-up and the list stays', async () => {
    const sent = clickButton(bot.fake, guild, ana, '1u:courses:page=42');
    expect(await deferral(sent)).toEqual({ type: CALLBACK.DeferredUpdate });
    const followUp = messageBody(await wait(isFollowUp(sent)));
    expect(followUp.flags).toBe(EPHEMERAL);
    expect(followUp.content).toContain('no page 42');
    expect(bot.fake.requestsFor(sent).filter((r) => r.method === 'PATCH')).toEqual([]);
  });

  it('given a command that wants a form, when already deferred, then a private button opens the form', async () => {
    const sent = slashCommand(bot.fake, guild, mona, 'course add');
    await deferral(sent);
    const followUp = messageBody(await wait(isFollowUp(sent)));
    expect(followUp.flags).toBe(EPHEMERAL);
    expect(textOf(followUp)).toContain('Click the button to open the form.');
    const [open] = buttonsOf(followUp);
    expect(open!.label).toBe('Open the form');
    expect(decodeCustomId(open!.customId, new OverflowTable())).toEqual({ mode: 'reply', invoke: { command: 'course.add', options: {} } });
    await wait(isOriginalDelete(sent));
  });

  it('given a modal submit answered by another form, when answered, then it offers the button', async () => {
    // course.edit with only the course (all form fields left empty) asks for the form again.
    const sent = submitModal(bot.fake, guild, mona, '1m:course.edit:course=1', { title: '', url: '' });
    await deferral(sent);
    const followUp = messageBody(await wait((r) => isFollowUp(sent)(r) || isOriginalEdit(sent)(r)));
    expect(buttonsOf(followUp)[0]!.label).toBe('Open the form');
  });
});

/**
 * The core tells adapters when a refused member was already told to slow down; Discord still
 * needs an answer within 3 s, so the adapter acknowledges without showing anything.
 */
describe('Discord adapter when a member is rate limited', () => {
  let bot: RunningBot;
  let guild: FakeGuild;
  const spammer: FakeMember = { id: snowflake(), username: 'spam' };
  const other: FakeMember = { id: snowflake(), username: 'calm' };
  /** A per-member budget of two commands; refusals after the first say so. */
  const used = new Map<string, number>();
  const limiter = {
    async consume(key: string) {
      const count = (used.get(key) ?? 0) + 1;
      used.set(key, count);
      const decision = { allowed: count <= 2, retryAfterMs: 5_000, firstRefusal: count === 3 };
      return decision;
    },
  };

  beforeAll(async () => {
    bot = await startBot({ rateLimiter: limiter, prepare: (fake) => (guild = fake.addGuild({ name: 'Busy' })) });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('given a burst from one member, then one "slow down" is shown and the rest are acked silently', async () => {
    const answers = [];
    for (let n = 0; n < 5; n++) {
      const sent = slashCommand(bot.fake, guild, spammer, 'help');
      answers.push({ sent, body: callbackBody(await bot.fake.waitForRequest(isCallback(sent))) });
    }
    expect(answers.slice(0, 2).every((a) => textOf(a.body.data).includes('Syllabot commands'))).toBe(true);
    expect(answers[2]!.body.data!.content).toBe('Slow down a little: try again in 5 s.');
    expect(answers[2]!.body.data!.flags).toBe(EPHEMERAL);
    for (const { sent, body } of answers.slice(3)) {
      expect(body).toEqual({ type: CALLBACK.DeferredMessage, data: { flags: EPHEMERAL } });
      await bot.fake.waitForRequest(isOriginalDelete(sent));
    }
    const click = clickButton(bot.fake, guild, spammer, '1r:help:');
    expect(callbackBody(await bot.fake.waitForRequest(isCallback(click)))).toEqual({ type: CALLBACK.DeferredUpdate });

    const calm = slashCommand(bot.fake, guild, other, 'help');
    expect(textOf(callbackBody(await bot.fake.waitForRequest(isCallback(calm))).data)).toContain('Syllabot commands');
  });
});
