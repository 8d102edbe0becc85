import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCore, dumpStore, member, textOf, type Speaker, type TestCore } from '../support/core.ts';

let core: TestCore;
let mod: Speaker;
let ana: Speaker;

beforeEach(async () => {
  core = createTestCore();
  mod = member(core, { id: 'you', moderator: true });
  ana = member(core, { id: 'ana' });
  await mod.say('/course add title:"Rust 101" value:10 tags:rust,systems description:"Ownership and borrowing"');
  await mod.say('/course add title:"Rust Async" tags:rust');
  await mod.say('/course add title:"Go 101"');
  await ana.say('/mycourses');
});
afterEach(async () => {
  await core.dispose();
});

describe('bad input gets a clear reply and changes nothing', () => {
  const cases: [string, 'mod' | 'ana', RegExp][] = [
    ['/frobnicate', 'ana', /no command “frobnicate”/],
    ['/rate', 'ana', /Please give course/],
    ['/rate 1', 'ana', /Please give stars/],
    ['/enroll 1 2 3', 'ana', /didn't expect “2 3”/],
    ['/rate 1 0', 'ana', /stars must be at least 1/],
    ['/rate 1 6', 'ana', /stars can be at most 5/],
    ['/rate 1 abc', 'ana', /stars must be a whole number from 1 to 5/],
    ['/rate 1 4.5', 'ana', /stars must be a whole number from 1 to 5/],
    [`/course add title:"${'x'.repeat(10_000)}"`, 'mod', /at most 4000 characters/],
    [`/course add title:"${'x'.repeat(121)}"`, 'mod', /title can be at most 120 characters/],
    ['/course add title:ok url:ftp://x', 'mod', /web link/],
    ['/course add title:ok value:0', 'mod', /value must be at least 0.1/],
    ['/course add title:ok tags:a,b,c,d,e,f,g,h,i', 'mod', /tags can have at most 8 items/],
    ['/enroll 99', 'ana', /No course matches “99”/],
    ['/enroll Zig', 'ana', /No course matches “Zig”/],
    ['/enroll rust', 'ana', /matches several courses: #1 Rust 101; #2 Rust Async/],
    ['/course add title:x', 'ana', /\/course add is for moderators only/],
    ['/course archive 1', 'ana', /moderators only/],
    ['/rate 1 5', 'ana', /Only members enrolled in #1 Rust 101 can rate it/],
    ['/courses page:9', 'ana', /no page 9; the last page is 1/],
    ['/courses sort:best', 'ana', /sort must be one of: top, new/],
    ['/course edit 1', 'mod', /Nothing to change on #1 Rust 101/],
    ['/course add title:"rust 101"', 'mod', /#1 Rust 101 already has that title/],
    ['/course edit 2 title:"Go 101"', 'mod', /#3 Go 101 already has that title/],
    ['/enroll title:"unclosed', 'ana', /quote \(“?"?\)? is not closed|is not closed/],
  ];
  for (const [line, who, expected] of cases) {
    it(`given ${who === 'mod' ? 'a moderator' : 'a member'}, when they send ${JSON.stringify(line.slice(0, 60))}, then a clear private error, no change`, async () => {
      const before = dumpStore(core.sqlite);
      const result = await (who === 'mod' ? mod : ana).say(line);
      expect(result.outcome).toBe('user-error');
      expect(result.reply.visibility).toBe('ephemeral');
      expect(result.reply.tone).toBe('error');
      expect(textOf(result)).toMatch(expected);
      expect(dumpStore(core.sqlite)).toBe(before);
    });
  }

  it('given a newcomer whose first commands are refused, then they count in N and nothing else changes', async () => {
    const local = (await core.store.findCommunity({ platform: 'console', externalId: 'local' }))!;
    const n = await core.store.countMembers(local.id);
    const before = dumpStore(core.sqlite, { except: ['members'] });
    const newbie = member(core, { id: 'newbie' });
    expect(textOf(await newbie.say('/enroll 99'))).toMatch(/No course matches “99”/);
    expect(textOf(await newbie.say('/rate 1 5'))).toMatch(/Only members enrolled/);
    expect((await member(core, { id: 'typo' }).say('/ratte 1 5')).outcome).toBe('user-error');
    expect((await member(core, { id: 'eager' }).say('/course add title:x')).outcome).toBe('user-error');
    expect(dumpStore(core.sqlite, { except: ['members'] })).toBe(before);
    expect(await core.store.countMembers(local.id)).toBe(n + 3);
    expect(textOf(await ana.say('/score'))).toMatch(new RegExp(`Members \\(N\\): ${n + 3}\\b`));
  });

  it('given an unseen community, when its first command is refused, then it holds just that member', async () => {
    const before = dumpStore(core.sqlite, { except: ['members', 'communities'] });
    const stranger = member(core, { id: 'ana', community: 'elsewhere' });
    expect((await stranger.say('/score 1')).outcome).toBe('user-error');
    expect(dumpStore(core.sqlite, { except: ['members', 'communities'] })).toBe(before);
    const elsewhere = await core.store.findCommunity({ platform: 'console', externalId: 'elsewhere' });
    expect(elsewhere?.settings).toEqual({});
    expect(await core.store.countMembers(elsewhere!.id)).toBe(1);
  });

  it('given someone new whose first command succeeds, then they are registered and counted', async () => {
    await member(core, { id: 'newbie' }).say('/courses');
    const community = await core.store.findCommunity({ platform: 'console', externalId: 'local' });
    expect(await core.store.findMember(community!.id, 'newbie')).not.toBeNull();
  });

  it('given an argument error, then the reply shows the usage derived from the declaration', async () => {
    const result = await ana.say('/rate 1');
    expect(result.reply.footer).toBe('Usage: /rate <course> <stars> [review…]');
  });
});

describe('enrollment and rating', () => {
  it('given a member, when they enroll twice, then the second reply says they already are', async () => {
    expect(textOf(await ana.say('/enroll 1'))).toMatch(/enrolled in #1 Rust 101/);
    const again = await ana.say('/enroll #1');
    expect(again.outcome).toBe('ok');
    expect(textOf(again)).toMatch(/already enrolled in #1 Rust 101/);
    expect((await core.store.getCourseByNumber((await communityId()), 1))?.enrolledCount).toBe(1);
  });

  it('given an archived course, then new enrollments are refused but existing members can still unenroll', async () => {
    await ana.say('/enroll 2');
    await mod.say('/course archive 2');
    const bo = member(core, { id: 'bo' });
    expect(textOf(await bo.say('/enroll 2'))).toMatch(/#2 Rust Async is archived/);
    expect(textOf(await ana.say('/unenroll 2'))).toMatch(/You've left #2 Rust Async/);
    expect(textOf(await ana.say('/unenroll 2'))).toMatch(/not enrolled in #2 Rust Async/);
  });

  it('given an enrolled member, when they rate again, then the new rating replaces the old one', async () => {
    await ana.say('/enroll go');
    expect(textOf(await ana.say('/rate go 3 solid intro'))).toMatch(/rated #3 Go 101 3★/);
    expect(textOf(await ana.say('/rate 3 5'))).toMatch(/5★ \(was 3★\)[\s\S]*averages 5.00 from 1 rating/);
    const mine = await ana.say('/mycourses');
    expect(textOf(mine)).toMatch(/Your rating: 5★/);
  });

  it('given an archived course whose title was reused, when unarchived, then refused, still archived', async () => {
    await mod.say('/course archive 1');
    expect(textOf(await mod.say('/course add title:"Rust 101"'))).toMatch(/Added #4 Rust 101/);
    const refused = await mod.say('/course unarchive 1');
    expect(textOf(refused)).toMatch(/#4 Rust 101 already has that title/);
    expect((await core.store.getCourseByNumber(await communityId(), 1))?.archived).toBe(true);
    expect(textOf(await mod.say('/course unarchive 2'))).toMatch(/#2 Rust Async is not archived/);
  });

  it('given a title prefix that is also an exact title, then the exact title wins', async () => {
    await mod.say('/course add title:Go');
    expect(textOf(await ana.say('/enroll go'))).toMatch(/#4 Go\./);
  });
});

describe('/score', () => {
  it('given the quick-start session, then G is 2.00 with satisfaction 4.00 and coverage 50%', async () => {
    await mod.say('/course archive 2');
    await mod.say('/course archive 3');
    await ana.say('/enroll 1');
    await ana.say('/rate 1 4');
    const result = await mod.say('/score');
    expect(result.reply.title).toBe('Community score G = 2.00');
    expect(textOf(result)).toMatch(/Satisfaction: 4.00/);
    expect(textOf(result)).toMatch(/Coverage: 50.0%/);
    expect(textOf(result)).toMatch(/Members \(N\): 2/);
    expect(textOf(result)).toMatch(/1\. #1 Rust 101: weighted 4.00/);
  });

  it('given a course, then its standing shows average, histogram and rank', async () => {
    for (const [who, stars] of [['a', 5], ['b', 4], ['c', 4]] as const) {
      const m = member(core, { id: who });
      await m.say('/enroll 1');
      await m.say(`/rate 1 ${stars}`);
    }
    const result = await ana.say('/score 1');
    expect(textOf(result)).toMatch(/Average: 4.33/);
    expect(textOf(result)).toMatch(/Rank: 1 of 1/);
    expect(result.reply.sections[0]!.lines).toEqual(['5★ █████····· 1', '4★ ██████████ 2', '3★ ·········· 0', '2★ ·········· 0', '1★ ·········· 0']);
    expect(result.reply.actions.flat().map((a) => a.invoke.command)).toEqual(['enroll']);
  });
});

describe('catalog', () => {
  it('given 20 courses, then /courses pages them 8 at a time with previous and next actions', async () => {
    for (let i = 0; i < 17; i++) await mod.say(`/course add title:"Extra ${i}"`);
    const first = await ana.say('/courses sort:new');
    expect(first.reply.sections).toHaveLength(8);
    expect(first.reply.pagination).toMatchObject({ page: 1, pages: 3 });
    expect(first.reply.pagination?.next?.invoke).toEqual({ command: 'courses', options: { sort: 'new', page: 2 } });
    const last = await ana.run({ kind: 'structured', command: 'courses', options: { sort: 'new', page: 3 } });
    expect(last.reply.sections.map((s) => s.title)).toEqual(['#4 Extra 0', '#3 Go 101', '#2 Rust Async', '#1 Rust 101']);
    expect(last.reply.pagination?.next).toBeUndefined();
  });

  it('given a query, then it searches titles, descriptions and tags', async () => {
    expect((await ana.say('/courses borrowing')).reply.sections.map((s) => s.title)).toEqual(['#1 Rust 101']);
    expect((await ana.say('/courses query:RUST sort:new')).reply.sections.map((s) => s.title)).toEqual(['#2 Rust Async', '#1 Rust 101']);
  });
});

describe('surfaces, forms and languages', () => {
  it('given a surface with forms, when /course add has no fields, then the reply is a form', async () => {
    const result = await mod.run({ kind: 'structured', command: 'course.add', options: {} }, { forms: true, buttons: true });
    expect(result.outcome).toBe('form');
    expect(result.reply.form?.fields.map((f) => [f.option, f.required, f.style])).toEqual([
      ['title', true, 'short'],
      ['value', false, 'short'],
      ['url', false, 'short'],
      ['description', false, 'paragraph'],
      ['tags', false, 'short'],
    ]);
  });

  it('given /course edit on a surface with forms, then the form is prefilled and carries the course', async () => {
    const result = await mod.run({ kind: 'structured', command: 'course.edit', options: { course: '1' } }, { forms: true, buttons: true });
    expect(result.reply.form?.submit).toEqual({ command: 'course.edit', options: { course: '1' } });
    expect(result.reply.form?.fields.find((f) => f.option === 'title')?.value).toBe('Rust 101');
  });

  it('given a member whose locale is zh-CN, then replies come in Chinese with Chinese input normalised', async () => {
    const li = member(core, { id: 'li', locale: 'zh-CN' });
    expect(textOf(await li.say('/enroll ＃１'))).toMatch(/你已报名 #1 Rust 101/);
    expect(textOf(await li.say('/rate 1 ５'))).toMatch(/你给 #1 Rust 101 评了 5★/);
    expect(textOf(await li.say('/rate 1 9'))).toMatch(/stars 最多为 5/);
  });

  it('given an unexpected failure, then the member gets an error id and the log has it', async () => {
    const logged: object[] = [];
    const failing = createTestCore({
      logger: { trace() {}, debug() {}, info() {}, warn() {}, error: (obj: object) => logged.push(obj), child() { return this; } },
    });
    await failing.sqlite.close();
    const result = await member(failing, { id: 'ana' }).say('/courses');
    expect(result.outcome).toBe('error');
    const id = /error id ([0-9a-f]{8})/.exec(textOf(result))?.[1];
    expect(id).toBeDefined();
    expect(logged).toContainEqual(expect.objectContaining({ errorId: id }));
    await failing.dispose();
  });
});

async function communityId(): Promise<string> {
  return (await core.store.findCommunity({ platform: 'console', externalId: 'local' }))!.id;
}

describe('structured input from a platform', () => {
  it('given an option named __proto__, then it is refused as unknown and nothing changes', async () => {
    const before = dumpStore(core.sqlite);
    const options = JSON.parse('{"course": "1", "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const result = await ana.run({ kind: 'structured', command: 'enroll', options });
    expect(result.outcome).toBe('user-error');
    expect(textOf(result)).toMatch(/no option “__proto__”/);
    expect(dumpStore(core.sqlite)).toBe(before);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('scheduling that outlasts its time limit', () => {
  it('given the job queue answers "queued", when a member enrolls, then the reply says queued', async () => {
    core.events.subscribe(() => 'queued');
    const result = await ana.say('/enroll 1');
    expect(result.outcome).toBe('ok');
    expect(textOf(result)).toMatch(/queued and will be in place in a moment/);
  });

  it('given every listener in time, when a member enrolls, then the reply says nothing of a queue', async () => {
    core.events.subscribe(() => undefined);
    const result = await ana.say('/enroll 1');
    expect(result.outcome).toBe('ok');
    expect(textOf(result)).not.toMatch(/queued/);
  });
});
