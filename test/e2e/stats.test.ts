import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { createTestCore, type TestCore } from '../support/core.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import type { Store } from '../../src/ports/store/index.ts';
import { lineConsole } from '../support/console.ts';
import { DailyHistory, recomputeCommunity } from '../../jobs/recompute.ts';
import { EPHEMERAL, type FakeGuild } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, PERMISSIONS, slashCommand, type FakeMember } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';
import { startSlackHarness, USERS, type SlackHarness } from '../fakes/slack/harness.ts';
import { allText } from '../fakes/slack/blocks.ts';

/**
 * Issue 16's "done when": on the console /stats shows sparklines after a week of snapshots made
 * by a test clock and /stats export writes three CSV files a CSV parser reads back; on Discord
 * /stats answers with a PNG attachment; on Slack the chart reaches Slack.
 */
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const DAY = 24 * 60 * 60 * 1000;

/** Members enroll and rate over a week; the recompute job (test clock) snapshots each day. */
async function simulateWeek(store: Store, communityId: string, clock: { now: () => Date; advance(ms: number): void }): Promise<void> {
  const courses = [];
  for (const [title, value] of [['Rust 101', 2], ['Go 入门', 1], ['=SUM(A1:A2)', 1]] as const) {
    courses.push(await store.createCourse(communityId, { title, description: '', url: null, tags: [], value, startsAt: null }));
  }
  const history = new DailyHistory(5);
  for (let day = 0; day < 8; day++) {
    for (let m = 0; m < 3; m++) {
      const member = await store.upsertMember(communityId, `m${day}-${m}`, m === 0 ? '-2+3 李雷' : `Member ${day}.${m}`);
      const course = courses[(day + m) % courses.length]!;
      await store.enroll(communityId, member.id, course.id, clock.now());
      if (m < 2) await store.rate(communityId, member.id, course.id, 1 + ((day + m) % 5), m === 0 ? '@admin "quoted", multi\nline' : null, clock.now());
    }
    await recomputeCommunity(store, communityId, clock, silentLogger, history);
    clock.advance(DAY);
  }
}

function testClock(start: string) {
  let now = Date.parse(start);
  return { now: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

describe('/stats on the console', () => {
  let core: TestCore;
  let dir: string;
  let store: SqliteStore;
  const clock = testClock('2026-11-20T10:00:00Z');
  let run: (line: string) => Promise<string>;

  beforeAll(async () => {
    core = createTestCore({ clock });
    dir = core.dir;
    store = core.sqlite;
    const adapter = lineConsole(core, { community: 'local', exportsDir: join(dir, 'exports'), now: () => clock.now() });
    run = (line) => adapter.runLine(line);
    await run('/help');
    const community = (await store.findCommunity({ platform: 'console', externalId: 'local' }))!;
    await simulateWeek(store, community.id, clock);
  });
  afterAll(async () => {
    await core.dispose();
  });

  it('given a week of snapshots, when a moderator runs /stats, then the summary shows sparklines for every day', async () => {
    const out = await run('/stats');
    expect(out).toContain('Community stats: the last 30 days');
    expect(out).toContain('9 days of history, from 2026-11-20.');
    const spark = out.split('\n').find((l) => /^G\s+[▁▂▃▄▅▆▇█]/.test(l))!;
    expect(spark).toMatch(/[▁▂▃▄▅▆▇█]{9}$/);
    expect(new Set(spark.replace(/^G\s+/, '')).size).toBeGreaterThan(1);
    expect(out).toMatch(/enrollments\/week [▁▂▃▄▅▆▇█]+/);
    expect(out).toContain('── Courses: enrolled → rated');
    expect(out).toMatch(/1\. #\d .+: \d+ enrolled → \d+ rated \(\d+%\), mean \d\.\d\d/);
  });

  it('given a week of history, when the digest is previewed, then it carries the trend line of G', async () => {
    expect(await run('/digest now')).toMatch(/Trend: G \d\.\d\d → \d\.\d\d since /);
  });

  it('given a member, when they run /stats, then they are told it is for moderators', async () => {
    expect(await run('@ana /stats')).toContain('/stats is for moderators only.');
  });

  it('given /stats export, when run, then three CSV files a parser reads back, BOM first, formulas neutralised', async () => {
    const out = await run('/stats export');
    const folder = join(dir, 'exports', `local-${clock.now().toISOString().slice(0, 10)}`);
    expect(readdirSync(folder).sort()).toEqual(['courses.csv', 'enrollments.csv', 'ratings.csv']);
    for (const name of ['courses.csv', 'enrollments.csv', 'ratings.csv']) expect(out).toContain(join(folder, name));
    const read = (name: string) => {
      const raw = readFileSync(join(folder, name));
      expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
      return parse(raw, { bom: true, columns: true }) as Record<string, string>[];
    };
    const courses = read('courses.csv');
    expect(courses.map((c) => c.title)).toEqual(['Rust 101', 'Go 入门', "'=SUM(A1:A2)"]);
    const enrollments = read('enrollments.csv');
    expect(enrollments).toHaveLength(24);
    const ratings = read('ratings.csv');
    expect(ratings).toHaveLength(16);
    const reviewed = ratings.find((r) => r.review !== '')!;
    expect(reviewed.review).toBe('\'@admin "quoted", multi\nline');
    expect(reviewed.member_name).toBe("'-2+3 李雷");
    expect(Number(reviewed.stars)).toBeGreaterThanOrEqual(1);
    expect(readFileSync(join(folder, 'ratings.csv'), 'utf8')).toContain('\r\n');
  });
});

describe('/stats on Discord', () => {
  let bot: RunningBot;
  let guild: FakeGuild;
  const mona: FakeMember = { id: snowflake(), username: 'mona', permissions: PERMISSIONS.moderator };
  beforeAll(async () => {
    bot = await startBot({ prepare: (fake) => (guild = fake.addGuild({ name: 'Stats', locale: 'zh-CN' })) });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('given a moderator, when they run /stats, then an ephemeral embed shows the chart as an attached PNG', async () => {
    const community = await bot.core.store.upsertCommunity({ platform: 'discord', externalId: guild.id }, 'Stats');
    await simulateWeek(bot.core.store, community.id, testClock(new Date(Date.now() - 8 * DAY).toISOString()));
    const sent = slashCommand(bot.fake, guild, mona, 'stats', { days: '90' });
    const callback = await bot.fake.waitForRequest(isCallback(sent), 0, 20_000);
    const edit = callback.files.length > 0 ? callback : await bot.fake.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith(`/${sent.token}/messages/@original`), 0, 20_000);
    const [png] = edit.files;
    expect(png?.name).toBe('stats-90d.png');
    expect(png?.contentType).toBe('image/png');
    expect(png!.bytes.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(png!.bytes.byteLength).toBeGreaterThan(10_000);
    const data = (edit === callback ? callbackBody(callback).data : edit.body) as { embeds: { title?: string; image?: { url: string } }[]; flags?: number };
    expect(data.embeds[0]?.image?.url).toBe('attachment://stats-90d.png');
    expect(data.embeds[0]?.title).toContain('the last 90 days');
    const flags = Number(callbackBody(callback).data?.flags ?? 0);
    expect(flags & EPHEMERAL).toBe(EPHEMERAL);
  });
});

describe('/stats on Slack', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('given no public dashboard, when an admin runs /stats, then the PNG goes to their DM and the summary answers', async () => {
    const url = h.responses.newUrl();
    await h.client.sendForm(h.client.commandBody({ command: '/help', text: '', userId: USERS.admin.id, responseUrl: url }));
    await h.adapter.whenIdle();
    await simulateWeek(h.store, await h.communityId(), testClock(new Date(Date.now() - 8 * DAY).toISOString()));
    const answer = h.responses.newUrl();
    await h.client.sendForm(h.client.commandBody({ command: '/stats', text: '', userId: USERS.admin.id, responseUrl: answer }));
    await h.adapter.whenIdle();
    const [file] = h.fake.filesIn(`D${USERS.admin.id}`);
    expect(file?.filename).toBe('stats-30d.png');
    expect(file!.bytes!.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(file?.altText).toContain('Chart of the last 30 days');
    const post = h.responses.postsTo(answer).at(-1)!;
    expect(post.problems).toEqual([]);
    expect(post.body).toMatchObject({ response_type: 'ephemeral' });
    expect(allText(post.body)).toContain('The file is in your direct messages with Syllabot.');
    expect(allText(post.body)).toMatch(/G \d\.\d\d → \d\.\d\d/);
  });

  it('given a plain member, when they run /stats, then nothing is uploaded; it is for moderators', async () => {
    const before = h.fake.uploads.size;
    const answer = h.responses.newUrl();
    await h.client.sendForm(h.client.commandBody({ command: '/stats', text: 'export', userId: USERS.member.id, responseUrl: answer }));
    await h.adapter.whenIdle();
    expect(h.fake.uploads.size).toBe(before);
    expect(allText(h.responses.postsTo(answer).at(-1)!.body)).toContain('is for moderators only');
  });
});
