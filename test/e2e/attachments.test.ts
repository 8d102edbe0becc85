import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineCommand, type Command } from '../../src/core/command.ts';
import { createTestCore, type TestCore } from '../support/core.ts';
import { reply, type Reply } from '../../src/domain/reply.ts';
import { lineConsole } from '../support/console.ts';
import { EPHEMERAL, UPLOAD_LIMIT_BYTES, type FakeGuild } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, slashCommand, type FakeMember } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';
import { startSlackHarness, USERS, type SlackHarness } from '../fakes/slack/harness.ts';
import { allText } from '../fakes/slack/blocks.ts';

/**
 * Files on every surface (issue 16): a command's Reply carries files and a chart image; Discord
 * attaches them, Slack uploads them to the member's DM with files.uploadV2, the console writes
 * them under the exports folder. Oversized files are refused with the platform's limit named,
 * and a streamed one is not produced past the limit.
 */
const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
const CSV = new TextEncoder().encode('\ufeffcourse,stars\r\n"Rust 101",5\r\n');
const MiB = 1024 * 1024;

/** How many chunks the oversized stream produced: a refusal must stop it early. */
let producedChunks = 0;
async function* bigStream(totalMiB: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < totalMiB; i++) {
    producedChunks++;
    yield new Uint8Array(MiB).fill(65);
  }
}

const withFiles = (variant: string): Reply => {
  if (variant === 'big') {
    return reply({ visibility: 'ephemeral', body: ['big export'], files: [{ name: 'huge.csv', contentType: 'text/csv', content: () => bigStream(200) }] });
  }
  return reply({
    visibility: 'ephemeral',
    title: 'Chart',
    body: ['summary text'],
    image: { file: { name: 'chart.png', contentType: 'image/png', content: PNG }, alt: 'G rose from 3.1 to 3.4', ...(variant === 'url' ? { url: 'https://syllabot.example/chart/abc.png' } : {}) },
    files: [{ name: 'courses.csv', contentType: 'text/csv; charset=utf-8', content: async function* () { yield CSV.subarray(0, 5); yield CSV.subarray(5); } }],
  });
};

const filesCommand: Command = defineCommand({
  name: 'files',
  permission: 'member',
  access: 'read',
  options: {},
  run: async () => withFiles('normal'),
});
const bigCommand: Command = defineCommand({ name: 'bigfile', permission: 'member', access: 'read', options: {}, run: async () => withFiles('big') });
const urlCommand: Command = defineCommand({ name: 'urlchart', permission: 'member', access: 'read', options: {}, run: async () => withFiles('url') });
const COMMANDS = [filesCommand, bigCommand, urlCommand];

describe('files on Discord', () => {
  let bot: RunningBot;
  let guild: FakeGuild;
  const ana: FakeMember = { id: snowflake(), username: 'ana' };
  beforeAll(async () => {
    bot = await startBot({ commands: COMMANDS, prepare: (fake) => (guild = fake.addGuild({ name: 'Files' })) });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('given a chart and a CSV, when answered, then both are attached and the embed shows the chart', async () => {
    const sent = slashCommand(bot.fake, guild, ana, 'files');
    const request = await bot.fake.waitForRequest(isCallback(sent));
    const body = callbackBody(request);
    expect(Number(body.data?.flags ?? 0) & EPHEMERAL).toBe(EPHEMERAL);
    expect(request.files.map((f) => [f.name, f.bytes.byteLength])).toEqual([
      ['chart.png', PNG.byteLength],
      ['courses.csv', CSV.byteLength],
    ]);
    expect(Buffer.compare(request.files[1]!.bytes, Buffer.from(CSV))).toBe(0);
    const embed = (body.data?.embeds as { image?: { url: string } }[])[0];
    expect(embed?.image?.url).toBe('attachment://chart.png');
    const declared = (body.data as { attachments?: { description?: string }[] }).attachments;
    expect(declared?.[0]?.description).toBe('G rose from 3.1 to 3.4');
  });

  it('given a streamed file over 10 MB, when answered, then it is left out, the limit named, the stream stopped', async () => {
    producedChunks = 0;
    const sent = slashCommand(bot.fake, guild, ana, 'bigfile');
    const request = await bot.fake.waitForRequest(isCallback(sent));
    expect(request.files).toEqual([]);
    expect(JSON.stringify(callbackBody(request))).toContain('huge.csv was left out: it is larger than 10 MB, the most Discord takes.');
    expect(producedChunks).toBeLessThanOrEqual(UPLOAD_LIMIT_BYTES / MiB + 1);
  });

  it('given a job sending files by DM, when delivered, then the DM message carries them as attachments', async () => {
    const before = bot.fake.requests.length;
    await bot.adapter.messenger.sendToMember({ platform: 'discord', externalId: guild.id }, ana.id, withFiles('normal'));
    const post = await bot.fake.waitForRequest((r) => r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path), before);
    expect(post.files.map((f) => f.name)).toEqual(['chart.png', 'courses.csv']);
  });
});

describe('files on Discord after a deferral', () => {
  let bot: RunningBot;
  let guild: FakeGuild;
  beforeAll(async () => {
    bot = await startBot({ commands: COMMANDS, adapter: { deferAfterMs: 0 }, prepare: (fake) => (guild = fake.addGuild({ name: 'Deferred' })) });
  });
  afterAll(async () => {
    await bot?.close();
  });

  it('given a deferred command, when its reply has files, then the edit of the deferred reply uploads them', async () => {
    const sent = slashCommand(bot.fake, guild, { id: snowflake(), username: 'bo' }, 'files');
    const edit = await bot.fake.waitForRequest((r) => r.method === 'PATCH' && r.path.endsWith(`/${sent.token}/messages/@original`));
    expect(edit.files.map((f) => f.name)).toEqual(['chart.png', 'courses.csv']);
  });
});

describe('files on Slack', () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await startSlackHarness({ commands: COMMANDS });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function command(name: string) {
    const url = h.responses.newUrl();
    await h.client.sendForm(h.client.commandBody({ command: name, text: '', userId: USERS.member.id, responseUrl: url }));
    await h.adapter.whenIdle();
    return h.responses.postsTo(url).at(-1)!;
  }

  it('given a chart and a CSV, when answered, then both are uploaded to the member DM and the answer says so', async () => {
    const post = await command('/files');
    const dm = `D${USERS.member.id}`;
    const files = h.fake.filesIn(dm);
    expect(files.map((f) => f.filename)).toEqual(['chart.png', 'courses.csv']);
    expect(files.map((f) => f.bytes?.byteLength)).toEqual([PNG.byteLength, CSV.byteLength]);
    expect(Buffer.compare(files[1]!.bytes!, Buffer.from(CSV))).toBe(0);
    expect(files[0]!.altText).toBe('G rose from 3.1 to 3.4');
    expect(h.fake.callsTo('files.getUploadURLExternal')).toHaveLength(2);
    expect(h.fake.callsTo('upload')).toHaveLength(2);
    expect(post.problems).toEqual([]);
    expect(allText(post.body)).toContain('The 2 files are in your direct messages with Syllabot.');
  });

  it('given a chart with a public address, when answered, then it is an image block, nothing uploaded', async () => {
    const uploads = h.fake.uploads.size;
    const post = await command('/urlchart');
    const blocks = (post.body.blocks as { type: string; image_url?: string; alt_text?: string }[]).filter((b) => b.type === 'image');
    expect(blocks).toEqual([{ type: 'image', image_url: 'https://syllabot.example/chart/abc.png', alt_text: 'G rose from 3.1 to 3.4' }]);
    expect(post.problems).toEqual([]);
    // Only the CSV went up.
    expect(h.fake.uploads.size - uploads).toBe(1);
  });
});

describe('files on the console', () => {
  let core: TestCore;
  let dir: string;
  beforeAll(() => {
    core = createTestCore({ extraCommands: COMMANDS });
    dir = core.dir;
  });
  afterAll(async () => {
    await core.dispose();
  });

  function consoleFor(community: string) {
    return lineConsole(core, { community, exportsDir: join(dir, 'exports'), now: () => new Date('2026-12-01T10:00:00Z') });
  }

  it('given files on the console, when answered, then they are written under exports/<community>-<date>/, paths printed', async () => {
    const out = await consoleFor('local').runLine('/files');
    const folder = join(dir, 'exports', 'local-2026-12-01');
    expect(readdirSync(folder)).toEqual(['courses.csv']);
    expect(readFileSync(join(folder, 'courses.csv'))).toEqual(Buffer.from(CSV));
    expect(out).toContain(`Saved ${join(folder, 'courses.csv')}`);
    expect(out).toContain('summary text');
  });

  it('given a community name with path characters, when files are written, then they stay in the exports folder', async () => {
    const out = await consoleFor('../../etc').runLine('/files');
    expect(readdirSync(join(dir, 'exports')).sort()).toEqual(['etc-2026-12-01', 'local-2026-12-01']);
    expect(out).toContain(join(dir, 'exports', 'etc-2026-12-01', 'courses.csv'));
  });
});
