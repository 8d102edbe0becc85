import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import type { Community } from '../../src/domain/model.ts';
import type { HealthReport } from '../../src/infra/health/health-server.ts';
import { FakeDiscord, type FakeGuild, type RecordedRequest } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, messageBody, slashCommand, textOf, type FakeMember, type SentInteraction } from '../fakes/discord/interactions.ts';
import { guildIdOnShard, snowflake } from '../fakes/discord/snowflake.ts';
import { FakeSlackWebApi, type FakeUser, type RecordedCall } from '../fakes/slack/web-api.ts';
import { ResponseListener } from '../fakes/slack/response-listener.ts';
import { SignedSlackClient, triggerId } from '../fakes/slack/signed-requests.ts';
import { allText } from '../fakes/slack/blocks.ts';
import { BOT_TOKEN, SIGNING_SECRET, TEAM } from '../fakes/slack/harness.ts';
import { cleanupPrefix, randomPrefix, SHARED_REDIS_URL } from '../jobs/harness.ts';
import { eventually, freePort, httpGet, killAll, spawnSyllabot, type SpawnedSyllabot } from '../support/processes.ts';
import { parseMetrics, sampleSum } from '../support/prometheus.ts';

/**
 * Issue 10, part 3: two bot processes and two `syllabot worker` processes share one SQLite
 * file and one Redis (one JOBS_PREFIX), against ONE fake Discord and ONE fake Slack.
 *
 * - Discord: two gateway shards, one per bot process (DISCORD_SHARD_COUNT=2, DISCORD_SHARD_IDS),
 *   so each guild's interactions reach exactly one process.
 * - Slack: both bots serve HTTP (as behind a load balancer), so requests of one workspace, its
 *   retries included, land on either process. This is where shared rate limits and shared
 *   request dedupe matter (a Discord member's key never splits across shards).
 * - Workers deliver reminders and digests over REST / Web API without a gateway or receiver.
 *
 * It shows: each reminder and each digest slot is posted once (counted at the fake platforms);
 * a burst split across both bots executes at most the shared limit; each command's side
 * effect happens once (an enrollment per member, one course for a request Slack retried to
 * the other process); after the bots stop, the workers alone keep posting digests.
 */

const DIGEST_EVERY_2S = '*/2 * * * * *';
const SLACK_DIGEST_CHANNEL = 'C0DIGEST';
const READ_LIMIT = 3;
const BURST = 8;

const SLACK_ADMIN: FakeUser = { id: 'USCALEADM1', name: 'ada', displayName: 'Ada Admin', isAdmin: true, locale: 'en-US' };
const SLACK_MEMBERS: FakeUser[] = [1, 2, 3, 4].map((i) => ({ id: `USCALEMEM${i}`, name: `member${i}`, displayName: `Member ${i}`, locale: 'en-US' }));
const SLACK_BURSTER: FakeUser = { id: 'USCALEBRST', name: 'burst', displayName: 'Burst', locale: 'en-US' };

let dir: string;
let dbPath: string;
let prefix: string;
let discord: FakeDiscord;
let slack: FakeSlackWebApi;
let responses: ResponseListener;
let guilds: FakeGuild[];
const spawned: SpawnedSyllabot[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'syllabot-scale-'));
  dbPath = join(dir, 'shared.sqlite');
  prefix = randomPrefix();
  discord = await FakeDiscord.start();
  guilds = [discord.addGuild({ id: guildIdOnShard(0, 2), name: 'Shard Zero' }), discord.addGuild({ id: guildIdOnShard(1, 2), name: 'Shard One' })];
  slack = await FakeSlackWebApi.start({ botToken: BOT_TOKEN, team: { id: TEAM.id, name: TEAM.name }, users: [SLACK_ADMIN, ...SLACK_MEMBERS, SLACK_BURSTER] });
  responses = await ResponseListener.start();
});

afterAll(async () => {
  killAll(spawned);
  await Promise.all(spawned.map((p) => p.exited));
  await discord.close();
  await slack.close();
  await responses.close();
  await cleanupPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

/** Three communities with a course each and a digest every two seconds (a six-field pattern /settings refuses; the machinery is the same). */
async function seed(): Promise<Community[]> {
  const store = SqliteStore.open({ path: dbPath });
  try {
    const refs = [
      { ref: { platform: 'discord' as const, externalId: guilds[0]!.id }, name: guilds[0]!.name, channel: guilds[0]!.channelId },
      { ref: { platform: 'discord' as const, externalId: guilds[1]!.id }, name: guilds[1]!.name, channel: guilds[1]!.channelId },
      { ref: { platform: 'slack' as const, externalId: TEAM.id }, name: TEAM.name, channel: SLACK_DIGEST_CHANNEL },
    ];
    const communities: Community[] = [];
    for (const { ref, name, channel } of refs) {
      const community = await store.upsertCommunity(ref, name);
      await store.createCourse(community.id, { title: 'Rust for Pythonistas', description: 'Ownership without tears', url: null, tags: ['rust'], value: 1, startsAt: null });
      communities.push(await store.updateCommunitySettings(community.id, { digest: { channelId: channel, schedule: DIGEST_EVERY_2S, timezone: 'UTC' } }));
    }
    return communities;
  } finally {
    await store.close();
  }
}

interface Ports {
  health: number;
  slack?: number;
}

function start(name: string, subcommand: 'start' | 'worker', ports: Ports, extra: Record<string, string> = {}): SpawnedSyllabot {
  const process = spawnSyllabot(name, [subcommand], {
    SQLITE_PATH: dbPath,
    REDIS_URL: SHARED_REDIS_URL,
    JOBS_PREFIX: prefix,
    // The rate-it nudge about 2.6 s after enrolling (RATE_NUDGE_DAYS takes decimals).
    RATE_NUDGE_DAYS: '0.00003',
    RATE_LIMIT_READS: String(READ_LIMIT),
    RATE_LIMIT_WRITES: '50',
    RATE_LIMIT_WINDOW_SECONDS: '600',
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    HEALTH_PORT: String(ports.health),
    LOG_LEVEL: 'info',
    ...(ports.slack ? { SLACK_PORT: String(ports.slack) } : {}),
    ...extra,
  });
  spawned.push(process);
  return process;
}

async function health(port: number): Promise<HealthReport> {
  return JSON.parse((await httpGet(`http://127.0.0.1:${port}/healthz`)).text) as HealthReport;
}

async function metricsOf(port: number) {
  return parseMetrics((await httpGet(`http://127.0.0.1:${port}/metrics`)).text);
}

const count = (values: readonly string[]): Map<string, number> => {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
};

describe('two bot processes and two workers on one store and one Redis', () => {
  it('given two sharded bots and two workers, when members act, then every effect happens once, limits shared', async () => {
    const communities = await seed();
    const [discordZero, discordOne, slackCommunity] = communities as [Community, Community, Community];
    const ports = { bots: [await freePort(), await freePort()], slack: [await freePort(), await freePort()], workers: [await freePort(), await freePort()] };

    const bots = [0, 1].map((i) => start(`bot-${i}`, 'start', { health: ports.bots[i]!, slack: ports.slack[i]! }, { DISCORD_SHARD_COUNT: '2', DISCORD_SHARD_IDS: String(i) }));
    const workers = [0, 1].map((i) => start(`worker-${i}`, 'worker', { health: ports.workers[i]! }));
    try {
      await Promise.all([
        ...bots.flatMap((bot) => ['discord', 'slack'].map((platform) => bot.waitForLog((l) => l.msg === 'adapter started' && l.platform === platform, `${platform} adapter started`, 60_000))),
        ...workers.map((w) => w.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('jobs started'), 'jobs started', 60_000)),
      ]);
      // Each bot runs its one shard; the workers opened no gateway session at all.
      expect(discord.identifies.map((i) => i.shard).sort()).toEqual([
        [0, 2],
        [1, 2],
      ]);
      for (const port of [...ports.bots, ...ports.workers]) {
        const report = await eventually(async () => {
          const r = await health(port);
          return r.status === 'ok' && r.components.jobs?.state === 'running' ? r : undefined;
        }, `process on health port ${port} to be healthy`);
        expect(report.delivers).toEqual(['discord', 'slack']);
      }

      // ── Discord: three members enroll in each guild; each guild's interactions go to its shard's process.
      const discordMembers: { guild: FakeGuild; member: FakeMember }[] = guilds.flatMap((guild) =>
        [1, 2, 3].map((i) => ({ guild, member: { id: snowflake(), username: `${guild.name.replace(' ', '').toLowerCase()}${i}` } })),
      );
      const sent: SentInteraction[] = discordMembers.map(({ guild, member }) => slashCommand(discord, guild, member, 'enroll', { course: '1' }));
      for (const s of sent) expect(textOf(callbackBody(await discord.waitForRequest(isCallback(s))).data)).toContain("You're enrolled in");
      expect(sent.map((s) => s.shard).sort()).toEqual([0, 0, 0, 1, 1, 1]);

      // ── Slack: four members enroll, alternating between the two bots.
      const clients = ports.slack.map((port) => new SignedSlackClient(`http://127.0.0.1:${port}/slack/events`, SIGNING_SECRET, { id: TEAM.id, domain: TEAM.domain }));
      const enrollUrls = SLACK_MEMBERS.map(() => responses.newUrl());
      await Promise.all(SLACK_MEMBERS.map((m, i) => clients[i % 2]!.sendForm(clients[0]!.commandBody({ command: '/enroll', text: '1', userId: m.id, responseUrl: enrollUrls[i]! }))));
      for (const url of enrollUrls) {
        const posts = await eventually(() => (responses.postsTo(url).length > 0 ? responses.postsTo(url) : undefined), `the enroll answer at ${url}`);
        expect(allText(posts[0]!.body)).toContain("You're enrolled in");
      }

      // ── Slack retries a /course add to the other process, then once more to the first.
      const addUrl = responses.newUrl();
      const addBody = clients[0]!.commandBody({ command: '/course', text: 'add title:"Go for Gophers"', userId: SLACK_ADMIN.id, responseUrl: addUrl, triggerId: triggerId() });
      expect((await clients[0]!.sendForm(addBody)).status).toBe(200);
      expect((await clients[1]!.sendForm(addBody, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
      expect((await clients[0]!.sendForm(addBody, { retryNum: 2, retryReason: 'http_timeout' })).status).toBe(200);
      await eventually(() => responses.postsTo(addUrl).length > 0, 'the /course add answer');
      await eventually(
        () => bots.flatMap((b) => b.logs()).filter((l) => l.msg === 'repeated Slack request ignored').length === 2,
        'both repeats of the /course add to be recognised',
      );

      // ── A burst of reads by one member, split across both bots: the limit is shared.
      const burstUrls = Array.from({ length: BURST }, () => responses.newUrl());
      await Promise.all(burstUrls.map((url, i) => clients[i % 2]!.sendForm(clients[0]!.commandBody({ command: '/courses', text: '', userId: SLACK_BURSTER.id, responseUrl: url }))));
      const burst = await eventually(async () => {
        const perBot = await Promise.all(ports.bots.map((p) => metricsOf(p)));
        const handled = perBot.map((s) => sampleSum(s, 'syllabot_commands_total', { command: 'courses', platform: 'slack' }));
        return handled[0]! + handled[1]! === BURST ? perBot : undefined;
      }, 'both bots to have handled the whole burst');
      const outcome = (o: string) => burst.reduce((sum, s) => sum + sampleSum(s, 'syllabot_commands_total', { command: 'courses', platform: 'slack', outcome: o }), 0);
      expect(outcome('ok')).toBe(READ_LIMIT);
      expect(outcome('rate-limited')).toBe(BURST - READ_LIMIT);
      for (const s of burst) expect(sampleSum(s, 'syllabot_commands_total', { command: 'courses', platform: 'slack' })).toBe(BURST / 2);

      // ── Reminders: one nudge per enrollment, on Discord (REST DM) and Slack (conversations.open + chat.postMessage).
      const guildChannels = new Set(guilds.map((g) => g.channelId));
      const discordDms = () => discord.requests.filter((r) => isChannelPost(r) && !guildChannels.has(channelOf(r))).map((r) => messageBody(r).allowed_mentions?.users?.[0] ?? '?');
      const slackDms = () => slack.callsTo('chat.postMessage').filter((c) => String(c.body.channel).startsWith('D')).map((c) => String(c.body.channel).slice(1));
      await eventually(() => discordDms().length >= discordMembers.length && slackDms().length >= SLACK_MEMBERS.length, 'every nudge to be sent', 60_000);
      // Nothing left to deliver: every reminder job has run (checked on a worker, the numbers are Redis's).
      await eventually(async () => {
        const samples = await metricsOf(ports.workers[0]!);
        return ['reminders-discord', 'reminders-slack'].every((queue) => sampleSum(samples, 'syllabot_queue_jobs', { queue }) === 0);
      }, 'the reminder queues to drain');

      // ── Digests: several slots posted on each channel while all four processes run.
      const digestPosts = {
        zero: () => discord.requests.filter((r) => isChannelPost(r) && channelOf(r) === guilds[0]!.channelId).length,
        one: () => discord.requests.filter((r) => isChannelPost(r) && channelOf(r) === guilds[1]!.channelId).length,
        slack: () => slack.callsTo('chat.postMessage').filter((c: RecordedCall) => c.body.channel === SLACK_DIGEST_CHANNEL).length,
      };
      await eventually(() => Object.values(digestPosts).every((n) => n() >= 2), 'two digests on every channel', 60_000);

      // ── The bots stop; the workers alone keep delivering the digests.
      expect(await Promise.all(bots.map((b) => b.stop()))).toEqual([0, 0]);
      const beforeWorkersAlone = Object.fromEntries(Object.entries(digestPosts).map(([k, n]) => [k, n()])) as Record<keyof typeof digestPosts, number>;
      await eventually(
        () => (Object.keys(digestPosts) as (keyof typeof digestPosts)[]).every((k) => digestPosts[k]() > beforeWorkersAlone[k]),
        'a digest on every channel with only the workers running',
        60_000,
      );
      expect(await Promise.all(workers.map((w) => w.stop()))).toEqual([0, 0]);

      // ── Once: each member got one nudge; each digest slot was posted once.
      expect([...count(discordDms()).values()]).toEqual(discordMembers.map(() => 1));
      expect(new Set(discordDms())).toEqual(new Set(discordMembers.map((m) => m.member.id)));
      expect(Object.fromEntries(count(slackDms()))).toEqual(Object.fromEntries(SLACK_MEMBERS.map((m) => [m.id, 1])));
      const slots = await digestSlots([discordZero, discordOne, slackCommunity]);
      expect(digestPosts.zero()).toBe(slots.get(discordZero.id)!.length);
      expect(digestPosts.one()).toBe(slots.get(discordOne.id)!.length);
      expect(digestPosts.slack()).toBe(slots.get(slackCommunity.id)!.length);
      for (const [community, times] of slots) {
        expect(new Set(times).size, `distinct slots of community ${community}`).toBe(times.length);
        expect(times.every((t) => t % 2000 === 0), 'each slot is a two-second mark').toBe(true);
      }
      // What the processes logged adds up to what the platforms received.
      const all = [...bots, ...workers];
      const logged = (msg: string) => all.map((p) => p.logs().filter((l) => l.msg === msg).length);
      expect(logged('reminder sent').reduce((a, b) => a + b)).toBe(discordMembers.length + SLACK_MEMBERS.length);
      expect(logged('digest posted').reduce((a, b) => a + b)).toBe(digestPosts.zero() + digestPosts.one() + digestPosts.slack());
      expect(logged('digest posted').slice(2).reduce((a, b) => a + b)).toBeGreaterThan(0);
      console.info(
        `deliveries by process (${all.map((p) => p.name).join(', ')}): reminders ${logged('reminder sent').join('/')}, digests ${logged('digest posted').join('/')}`,
      );

      // ── Side effects once: one enrollment per member and course, one course for the retried request.
      const store = SqliteStore.open({ path: dbPath });
      try {
        for (const [community, expected] of [
          [discordZero, 3],
          [discordOne, 3],
          [slackCommunity, SLACK_MEMBERS.length],
        ] as const) {
          expect((await store.listEnrollments(community.id, {})).length, community.name).toBe(expected);
        }
        const slackCourses = await store.listCourses(slackCommunity.id, { sort: 'number', offset: 0, limit: 50 });
        expect(slackCourses.items.map((c) => c.title)).toEqual(['Rust for Pythonistas', 'Go for Gophers']);
      } finally {
        await store.close();
      }
      expect(responses.postsTo(addUrl)).toHaveLength(1);
      for (const s of sent) expect(discord.requestsFor(s).filter((r) => r.path.endsWith('/callback'))).toHaveLength(1);
      for (const p of all) expect(p.output()).not.toContain(discord.token);
    } finally {
      killAll(spawned);
    }
  }, 240_000);
});

function isChannelPost(r: RecordedRequest): boolean {
  return r.method === 'POST' && /^\/channels\/\d+\/messages$/.test(r.path);
}

function channelOf(r: RecordedRequest): string {
  return r.path.split('/')[2]!;
}

/** Each community's digest slots marked sent in the shared delivery log (slot times in ms). */
async function digestSlots(communities: readonly Community[]): Promise<Map<string, number[]>> {
  const store = SqliteStore.open({ path: dbPath });
  try {
    const slots = new Map<string, number[]>();
    for (const community of communities) {
      const rows = store.database.prepare('SELECT key, state FROM deliveries WHERE key LIKE ?').all(`repeat-digest-${community.id}-%`) as { key: string; state: string }[];
      expect(rows.every((r) => r.state === 'sent')).toBe(true);
      slots.set(
        community.id,
        rows.map((r) => Number(r.key.slice(r.key.lastIndexOf('-') + 1))),
      );
    }
    return slots;
  } finally {
    await store.close();
  }
}
