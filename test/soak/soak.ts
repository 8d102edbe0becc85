import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import type { Platform } from '../../src/domain/model.ts';
import { deliveryNonce } from '../../adapters/discord/messenger.ts';
import { DELIVERY_EVENT } from '../../adapters/slack/messenger.ts';
import { reminderQueueName } from '../../jobs/queues.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { FakeSlackWebApi } from '../fakes/slack/web-api.ts';
import { BOT_TOKEN, SIGNING_SECRET, TEAM } from '../fakes/slack/harness.ts';
import { RedisServer } from '../support/redis-server.ts';
import { freePort, killAll, spawnSyllabot, type SpawnedSyllabot } from '../support/processes.ts';
import { seedCommunity, type ExpectedReminder } from './scenario.ts';

export interface SoakOptions {
  /** Members per platform; each has `enrollmentsPerMember` reminders due in the window. */
  members: number;
  enrollmentsPerMember: number;
  killCycles: number;
  /** A process is killed every [min, max] ms. */
  killEveryMs: [number, number];
  /** How long Discord and Slack take to answer each call. */
  latencyMs: number;
  /** The first reminder falls due this long after seeding (time for the processes to start). */
  leadMs: number;
  /** Restart Redis with its data after a third of the cycles, and empty after two thirds. */
  redisRestarts: boolean;
  /** Told what happens, line by line. */
  progress: (line: string) => void;
  /** When set, each process's output is appended to `<logDir>/<role>.log` when it exits. */
  logDir?: string | undefined;
}

export const DEFAULT_SOAK: Omit<SoakOptions, 'progress'> = {
  members: 60,
  enrollmentsPerMember: 4,
  killCycles: 100,
  killEveryMs: [1_000, 3_000],
  latencyMs: 150,
  leadMs: 40_000,
  redisRestarts: true,
};

export interface PlatformTally {
  platform: Platform;
  reminders: number;
  once: number;
  twice: number;
  lost: number;
  /** Delivery delay after the due time (ms), over the reminders delivered. */
  delays: number[];
  /** Reminders whose delivery log, job state and platform do not tell the same story. */
  disagreements: string[];
  /** Reminders whose job Redis no longer holds (sent before the empty restart). */
  jobsGone: number;
}

export interface SoakResult {
  tallies: PlatformTally[];
  kills: Record<string, number>;
  redisRestarts: string[];
  durationMs: number;
}

type Role = 'start-discord' | 'start-slack' | 'worker-1' | 'worker-2';
const ROLES: Role[] = ['start-discord', 'start-slack', 'worker-1', 'worker-2'];

/**
 * The issue-19 soak: one `syllabot start` on a fake Discord, one on a fake Slack, two
 * `syllabot worker`, one SQLite file and one Redis of its own; reminders falling due over a few
 * minutes while a random process is SIGKILLed and restarted every 1-3 s, and Redis restarted
 * once with its data and once empty. Counts, at the fake platforms, how often each reminder
 * arrived, and checks it against the delivery log and the job's state.
 */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const began = Date.now();
  const say = options.progress;
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'syllabot-soak-'));
  const dbPath = join(dir, 'soak.sqlite');
  const prefix = `soak-${randomUUID().slice(0, 8)}`;
  const redis = await RedisServer.launch({ persist: true });
  const discord = await FakeDiscord.start({ latencyMs: options.latencyMs });
  const guild = discord.addGuild({ name: 'Soak Guild' });
  const slackUsers = Array.from({ length: options.members }, (_, i) => ({ id: `USOAK${String(i).padStart(4, '0')}`, name: `soak${i}` }));
  const slack = await FakeSlackWebApi.start({ botToken: BOT_TOKEN, team: { id: TEAM.id, name: TEAM.name }, users: slackUsers, latencyMs: options.latencyMs });
  const slackPort = await freePort();
  const live = new Map<Role, SpawnedSyllabot>();
  const everyProcess: SpawnedSyllabot[] = [];
  const kills: Record<string, number> = Object.fromEntries(ROLES.map((r) => [r, 0]));
  const restarts: string[] = [];
  try {
    // ── Seed: one Discord guild and one Slack workspace, each reminder due in the window.
    const spreadMs = Math.round(options.killCycles * ((options.killEveryMs[0] + options.killEveryMs[1]) / 2) * 0.9);
    const firstDueAt = Date.now() + options.leadMs;
    const store = SqliteStore.open({ path: dbPath });
    const nudgeAfterMs = 3 * 24 * 3_600_000;
    const common = { enrollmentsPerMember: options.enrollmentsPerMember, firstDueAt, spreadMs, nudgeAfterMs };
    const expected = [
      ...(await seedCommunity(store, { ...common, platform: 'discord', externalId: guild.id, memberIds: Array.from({ length: options.members }, () => snowflake()) })),
      ...(await seedCommunity(store, { ...common, platform: 'slack', externalId: TEAM.id, memberIds: slackUsers.map((u) => u.id) })),
    ];
    await store.close();
    say(`seeded ${expected.length} reminders due from +${options.leadMs / 1000} s over ${Math.round(spreadMs / 1000)} s; platform latency ${options.latencyMs} ms`);

    // ── The processes.
    const env = (role: Role): Record<string, string> => ({
      SQLITE_PATH: dbPath,
      REDIS_URL: redis.url,
      JOBS_PREFIX: prefix,
      RATE_NUDGE_DAYS: '3',
      LOG_LEVEL: 'info',
      ...(role !== 'start-slack' ? { DISCORD_TOKEN: discord.token, DISCORD_API_URL: discord.apiUrl } : {}),
      ...(role !== 'start-discord' ? { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, SLACK_PORT: String(slackPort) } : {}),
    });
    const spawn = (role: Role) => {
      const child = spawnSyllabot(role, [role.startsWith('start') ? 'start' : 'worker'], env(role));
      const logDir = options.logDir;
      if (logDir) void child.exited.then(() => appendFileSync(join(logDir, `${role}.log`), `=== ${role} ===\n${child.output()}`));
      live.set(role, child);
      everyProcess.push(child);
      return child;
    };
    await Promise.all(ROLES.map((role) => spawn(role).waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('jobs started'), 'jobs started', 90_000)));
    say(`4 processes running after ${Math.round((Date.now() - began) / 1000)} s`);

    // ── Kill cycles, with Redis restarted once with its data and once empty.
    const random = (min: number, max: number) => min + Math.random() * (max - min);
    for (let cycle = 1; cycle <= options.killCycles; cycle++) {
      await sleep(random(...options.killEveryMs));
      const role = ROLES[Math.floor(Math.random() * ROLES.length)]!;
      live.get(role)?.child.kill('SIGKILL');
      kills[role]!++;
      spawn(role);
      if (options.redisRestarts && cycle === Math.floor(options.killCycles / 3)) {
        await redis.kill();
        await redis.start();
        restarts.push(`cycle ${cycle}: SIGKILL and restart with its data (append-only file, fsync always)`);
        say(restarts.at(-1)!);
      }
      if (options.redisRestarts && cycle === Math.floor((2 * options.killCycles) / 3)) {
        await redis.kill();
        for (const entry of readdirSync(redis.dir)) rmSync(join(redis.dir, entry), { recursive: true, force: true });
        await redis.start();
        restarts.push(`cycle ${cycle}: SIGKILL and restart empty (data files deleted)`);
        say(restarts.at(-1)!);
      }
      if (cycle % 10 === 0) say(`cycle ${cycle}/${options.killCycles}: ${countDelivered(expected, discord, slack)} of ${expected.length} reminders arrived`);
    }

    // ── Let the survivors finish, then a quiet spell to catch late repeats.
    const lastDue = Math.max(...expected.map((r) => r.dueAt));
    const deadline = Math.max(Date.now(), lastDue) + 90_000;
    while (countDelivered(expected, discord, slack) < expected.length && Date.now() < deadline) await sleep(500);
    await sleep(8_000);
    say(`kills done; ${countDelivered(expected, discord, slack)} of ${expected.length} reminders arrived; stopping`);
    await Promise.all([...live.values()].map((p) => p.stop()));

    // ── Tally: the platforms, the delivery log (store) and the jobs (Redis) must agree.
    const tallies = await tally(expected, discord, slack, dbPath, redis.url, prefix);
    return { tallies, kills, redisRestarts: restarts, durationMs: Date.now() - began };
  } finally {
    killAll(everyProcess);
    await Promise.all(everyProcess.map((p) => p.exited));
    await discord.close();
    await slack.close();
    await redis.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each reminder's arrivals at its platform (ms timestamps). */
function arrivals(expected: readonly ExpectedReminder[], discord: FakeDiscord, slack: FakeSlackWebApi): Map<string, number[]> {
  const byId = new Map<string, number[]>(expected.map((r) => [r.id, []]));
  const byNonce = new Map(expected.filter((r) => r.platform === 'discord').map((r) => [deliveryNonce(r.id), r.id]));
  for (const message of discord.created) {
    const id = message.nonce === null ? undefined : byNonce.get(message.nonce);
    if (id) byId.get(id)!.push(message.at);
  }
  for (const message of slack.allMessages()) {
    const id = message.metadata?.event_type === DELIVERY_EVENT ? message.metadata.event_payload.delivery_id : undefined;
    if (typeof id === 'string' && byId.has(id)) byId.get(id)!.push(message.postedAt);
  }
  return byId;
}

function countDelivered(expected: readonly ExpectedReminder[], discord: FakeDiscord, slack: FakeSlackWebApi): number {
  return [...arrivals(expected, discord, slack).values()].filter((at) => at.length > 0).length;
}

async function tally(expected: readonly ExpectedReminder[], discord: FakeDiscord, slack: FakeSlackWebApi, dbPath: string, redisUrl: string, prefix: string): Promise<PlatformTally[]> {
  const seen = arrivals(expected, discord, slack);
  const store = SqliteStore.open({ path: dbPath });
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queues = new Map<Platform, Queue>();
  const queueOf = (platform: Platform) => queues.get(platform) ?? queues.set(platform, new Queue(reminderQueueName(platform), { connection, prefix })).get(platform)!;
  try {
    const tallies: PlatformTally[] = [];
    for (const platform of ['discord', 'slack'] as const) {
      const mine = expected.filter((r) => r.platform === platform);
      const t: PlatformTally = { platform, reminders: mine.length, once: 0, twice: 0, lost: 0, delays: [], disagreements: [], jobsGone: 0 };
      for (const reminder of mine) {
        const at = seen.get(reminder.id)!;
        if (at.length === 0) t.lost++;
        else if (at.length === 1) t.once++;
        else t.twice++;
        if (at.length > 0) t.delays.push(Math.min(...at) - reminder.dueAt);
        const record = await store.deliveries.get(reminder.id);
        const job = await queueOf(platform).getJob(reminder.id);
        const state = job ? await job.getState() : 'gone';
        if (!job) t.jobsGone++;
        const logSent = record?.state === 'sent';
        const jobDone = state === 'gone' || (state === 'completed' && ['sent', 'duplicate', 'found-earlier'].includes(String(job?.returnvalue)));
        if (logSent !== at.length > 0 || !jobDone || (state === 'gone' && !logSent)) {
          t.disagreements.push(`${reminder.id}: platform ${at.length}, log ${record?.state ?? 'none'}, job ${state}${job?.returnvalue ? ` (${String(job.returnvalue)})` : ''}`);
        }
      }
      tallies.push(t);
    }
    return tallies;
  } finally {
    for (const queue of queues.values()) await queue.close();
    connection.disconnect();
    await store.close();
  }
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** The table the issue asks for, plus delay percentiles and agreement. */
export function formatSoak(result: SoakResult, options: Pick<SoakOptions, 'killCycles' | 'latencyMs'>): string {
  const s = (ms: number) => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(1)} s`);
  const lines = [
    `| platform | reminders | once | twice | lost | delay p50 | p95 | max | log/job/platform disagree | jobs gone with Redis |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
    ...result.tallies.map(
      (t) =>
        `| ${t.platform} | ${t.reminders} | ${t.once} | ${t.twice} | ${t.lost} | ${s(percentile(t.delays, 50))} | ${s(percentile(t.delays, 95))} | ${s(Math.max(...t.delays))} | ${t.disagreements.length} | ${t.jobsGone} |`,
    ),
    '',
    `${options.killCycles} kill cycles at ${options.latencyMs} ms platform latency in ${Math.round(result.durationMs / 1000)} s; kills: ${Object.entries(result.kills)
      .map(([role, n]) => `${role} ${n}`)
      .join(', ')}`,
    ...result.redisRestarts.map((r) => `Redis: ${r}`),
    ...result.tallies.flatMap((t) => t.disagreements.slice(0, 10).map((d) => `disagreement (${t.platform}): ${d}`)),
  ];
  return lines.join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
