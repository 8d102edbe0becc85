import { afterEach, describe, expect, it } from 'vitest';
import { COMMUNITY, createWorld, type World } from './harness.ts';

/** The /settings, /remind and /digest commands on the console, with no job queue attached. */
describe('/settings, /remind and /digest now', () => {
  let world: World;
  afterEach(async () => {
    await world.close();
  });

  const community = async () => (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;

  it('given a moderator, when they set a digest, then it saves the canonical zone, next run shown', async () => {
    world = createWorld();
    const out = await world.text('/settings digest channel:general schedule:"0 9 * * 1" timezone:asia/shanghai');
    expect(out).toContain('#general');
    expect(out).toContain('Asia/Shanghai');
    expect(out).toContain('Next digest');
    // No job queue in this process: the moderator is told the digest will not post yet.
    expect(out).toContain('runs without a job queue');
    expect((await community()).settings.digest).toEqual({ channelId: 'general', schedule: '0 9 * * 1', timezone: 'Asia/Shanghai' });
  });

  it('given bad input, when a moderator sets the digest, then a friendly error and no change', async () => {
    world = createWorld();
    await world.run('/settings digest general "0 9 * * 1" UTC');
    const before = (await community()).settings;
    const cases: [string, string, string][] = [
      ['/settings digest schedule:"61 9 * * 1"', 'invalidCron', 'is not a valid schedule'],
      ['/settings digest schedule:"0 9 * *"', 'invalidCron', 'is not a valid schedule'],
      ['/settings digest schedule:"0 0 9 * * 1"', 'invalidCron', 'is not a valid schedule'],
      ['/settings digest timezone:Mars/Olympus', 'invalidTimezone', 'is not a time zone I know'],
      ['/settings digest channel:"two words"', 'invalidOption', 'not a valid channel'],
    ];
    for (const [line, , message] of cases) {
      const result = await world.run(line);
      expect(result.outcome, line).toBe('user-error');
      expect(result.reply.body.join(' '), line).toContain(message);
    }
    const frequent = await world.run('/settings digest schedule:"*/10 * * * *"');
    expect(frequent.reply.tone).toBe('error');
    expect(frequent.reply.body.join(' ')).toContain('more than once an hour');
    expect((await community()).settings).toEqual(before);
  });

  it('given a digest, when a moderator turns it off, then it is removed; a member cannot change settings', async () => {
    world = createWorld();
    const missing = await world.run('/settings digest schedule:"0 9 * * 1"');
    expect(missing.outcome).toBe('user-error');
    expect(missing.reply.body.join(' ')).toContain('channel');
    await world.run('/settings digest general "0 9 * * 1"');
    expect((await world.run('/settings digest channel:other', 'ana')).reply.body.join(' ')).toContain('for moderators only');
    expect(await world.text('/settings digest off')).toContain('The digest is off');
    expect((await community()).settings.digest).toBeUndefined();
    expect(await world.text('/settings digest off')).toContain('already off');
  });

  it('given a moderator, when they set the language, then posts use it and /settings show lists everything', async () => {
    world = createWorld();
    expect(await world.text('/settings locale zh_CN')).toContain('简体中文 (zh-CN)');
    expect((await community()).settings.locale).toBe('zh-CN');
    const bad = await world.run('/settings locale fr');
    expect(bad.outcome).toBe('user-error');
    expect(bad.reply.body.join(' ')).toContain('en, zh-CN');
    await world.run('/settings digest general "30 8 * * *" Europe/Berlin');
    const shown = await world.text('/settings show', 'ana');
    expect(shown).toContain('简体中文 (zh-CN)');
    expect(shown).toContain('#general');
    expect(shown).toContain('30 8 * * *');
    expect(shown).toContain('Europe/Berlin');
    expect(shown).toContain('Off: this Syllabot runs without a job queue');
    // A member whose client reports Chinese reads the same settings in Chinese.
    expect(await world.text('/settings show', 'ana', 'zh-CN')).toContain('默认语言');
  });

  it('given courses and ratings, when a member previews the digest, then privately, ranked', async () => {
    world = createWorld();
    await world.run('/course add title:"Rust"');
    await world.run('/course add title:"Go"');
    for (const member of ['ana', 'bo', 'cy']) {
      await world.run('/enroll 1', member);
      await world.run('/enroll 2', member);
      await world.run('/rate 1 5', member);
      await world.run('/rate 2 3', member);
    }
    const result = await world.run('/digest now', 'ana');
    expect(result.outcome).toBe('ok');
    expect(result.reply.visibility).toBe('ephemeral');
    expect(result.reply.title).toBe('Course digest: Jobs Test');
    const [top, fresh] = result.reply.sections;
    expect(top!.lines[0]).toMatch(/^1\. #1 Rust: weighted [\d.]+ \(★ 5\.00, 3 ratings\)$/);
    expect(top!.lines[1]).toMatch(/^2\. #2 Go: weighted [\d.]+ \(★ 3\.00, 3 ratings\)$/);
    expect(fresh!.lines).toEqual(['#2 Go', '#1 Rust']);
    expect(result.reply.footer).toContain('No digest is set up');
    // In Chinese for a member who reads Chinese.
    expect((await world.run('/digest now', 'ana', 'zh-CN')).reply.title).toBe('课程摘要：Jobs Test');
  });

  it('given reminders, when a member asks, turns them off and on, then the store follows', async () => {
    world = createWorld();
    expect(await world.text('/remind', 'ana')).toContain('Your reminders are on');
    await world.run('/remind off', 'ana');
    const c = await community();
    const ana = await world.store.upsertMember(c.id, 'ana', 'ana');
    expect(ana.remindersEnabled).toBe(false);
    expect(await world.text('/remind', 'ana')).toContain('Your reminders are off');
    expect((await world.run('/remind maybe', 'ana')).outcome).toBe('user-error');
    await world.run('/remind on', 'ana');
    expect((await world.store.getMember(c.id, ana.id))!.remindersEnabled).toBe(true);
  });
});
