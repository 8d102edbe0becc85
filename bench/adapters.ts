import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCore, type Core } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import type { CommandRequest } from '../src/core/router.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { createDiscordAdapter } from '../adapters/discord/index.ts';
import { createSlackAdapter } from '../adapters/slack/index.ts';
import { Driver, type SeriesRun } from './adapters-driver-client.ts';
import { planAdapterRequests, type AdapterPlan } from './adapters-plan.ts';
import type { DiscordEndpoint, SeriesId, SlackEndpoint } from './adapters-protocol.ts';
import { MIX, type PlannedCommand } from './core-plan.ts';
import { BENCH_COMMUNITY, seedCommunity, type SeededCommunity } from './fixtures/community.ts';
import { seedSnapshots } from './fixtures/snapshots.ts';
import { countingLogger, type CountingLogger } from './lib/counting-logger.ts';
import { note } from './lib/progress.ts';
import { Latencies, round } from './lib/stats.ts';
import { formatNumber, table } from './lib/table.ts';
import type { BenchSection, SectionReport } from './section.ts';

/** A steady rate a busy community could reach at peak; every series runs it for the same time. */
const RATE_PER_S = 200;
const MEASURED_SECONDS = 10;
const WARMUP_SECONDS = 2;
const MEASURED = RATE_PER_S * MEASURED_SECONDS;
const WARMUP = RATE_PER_S * WARMUP_SECONDS;
/** Late answers are waited for this long after the last request; later ones count as unanswered. */
const DRAIN_MS = 10_000;
const PRIOR_WEIGHT = 5;
const PLAN_SEED = 23;

const GUILD = { id: '1200000000000000001', name: 'Bench Guild', locale: 'en-US' };
const TEAM = { id: 'T0BENCH001', name: 'Bench Workspace', domain: 'bench' };
const SLACK_BOT_TOKEN = 'xoxb-bench-bot-token';
const SLACK_SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';

/** A Discord user id (a snowflake) for the seeded member at `index`. */
const discordUserId = (index: number) => `1${String(index).padStart(17, '0')}`;

interface SeriesResult extends SeriesRun {
  /** Errors and warnings the bot logged, failures the fake platforms saw, router errors. */
  problems: number;
  problemSamples: string[];
}

const LABELS: Record<SeriesId, string> = {
  'router-discord': 'router, Discord-shaped requests',
  discord: 'Discord: discord.js on the fake gateway',
  'router-slack': 'router, Slack-shaped requests',
  slack: 'Slack: Bolt, signed HTTP requests',
};

const SHORT: Record<SeriesId, string> = { 'router-discord': 'router→D', discord: 'Discord', 'router-slack': 'router→S', slack: 'Slack' };

/**
 * Part 4: interaction-to-reply latency through the real adapters at a steady request rate,
 * beside the same requests handed straight to CommandRouter.handle at the same rate. The
 * fake platforms and the load generator run in a worker thread (bench/adapters-driver.ts);
 * this thread runs the core and the adapters, as the bot's process would.
 */
export const adaptersSection: BenchSection = {
  id: 'adapters',
  title: 'Adapters: interaction to reply',
  async run({ workDir }): Promise<SectionReport> {
    const seedPath = join(workDir, 'seed.sqlite');
    const seeded = await seedBoth(seedPath);
    // The router baseline and the adapters start from the same bytes and get the same requests.
    const routerPath = join(workDir, 'router.sqlite');
    const botPath = join(workDir, 'bot.sqlite');
    copyFileSync(seedPath, routerPath);
    copyFileSync(seedPath, botPath);
    const plan = planAdapterRequests({ discord: { seeded: seeded.discord, guild: GUILD }, slack: { seeded: seeded.slack, team: TEAM } }, WARMUP, MEASURED, PLAN_SEED);

    const driver = Driver.start({
      ratePerS: RATE_PER_S,
      warmup: WARMUP,
      measured: MEASURED,
      drainMs: DRAIN_MS,
      discord: { guild: GUILD, calls: plan.discordCalls },
      slack: { team: TEAM, botToken: SLACK_BOT_TOKEN, signingSecret: SLACK_SIGNING_SECRET, users: plan.slackUsers, calls: plan.slackCalls },
    });
    const routerStore = SqliteStore.open({ path: routerPath });
    const botStore = SqliteStore.open({ path: botPath });
    try {
      const logger = countingLogger();
      const routerCore = createCore({ store: routerStore, logger, config: { BAYES_PRIOR_WEIGHT: PRIOR_WEIGHT } });
      const botCore = createCore({ store: botStore, logger, config: { BAYES_PRIOR_WEIGHT: PRIOR_WEIGHT } });
      const runs: Partial<Record<SeriesId, SeriesResult>> = {};
      runs['router-discord'] = await watched(logger, () => routerSeries(driver, routerCore, plan.routerDiscord, 'router-discord'));
      runs.discord = await watched(logger, () => discordSeries(driver, botCore, logger));
      runs['router-slack'] = await watched(logger, () => routerSeries(driver, routerCore, plan.routerSlack, 'router-slack'));
      runs.slack = await watched(logger, () => slackSeries(driver, botCore, logger));
      if (process.env.BENCH_DUMP) (await import('node:fs')).writeFileSync(process.env.BENCH_DUMP, JSON.stringify(Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, { ack: [...r.times.ackMs], reply: [...r.times.replyMs], lag: [...r.times.lagMs] }]))));
      const sameWrites = sameDigest(routerStore, botStore, seeded);
      if (!sameWrites) note('NOTE: the adapters and the router baseline left different rows (requests of one member overtook each other?)');
      return report(plan, runs as Record<SeriesId, SeriesResult>, sameWrites);
    } finally {
      await driver.close();
      await routerStore.close();
      await botStore.close();
    }
  },
};

/** Both communities from the same shape and seed: the same members, courses and history. */
async function seedBoth(path: string): Promise<{ discord: SeededCommunity; slack: SeededCommunity }> {
  const store = SqliteStore.open({ path });
  try {
    const discord = await seedCommunity(store, BENCH_COMMUNITY, { ref: { platform: 'discord', externalId: GUILD.id, name: GUILD.name }, memberId: discordUserId });
    await seedSnapshots(store, discord);
    const slack = await seedCommunity(store, BENCH_COMMUNITY, { ref: { platform: 'slack', externalId: TEAM.id, name: TEAM.name }, memberId: (i) => `U${String(100_000 + i)}` });
    await seedSnapshots(store, slack);
    return { discord, slack };
  } finally {
    // Closing checkpoints the WAL into the main file, so a plain copy is a complete database.
    await store.close();
    if (existsSync(`${path}-wal`)) throw new Error('the WAL survived close; cannot copy the seeded database safely');
  }
}

/** Runs a series and adds what the bot logged meanwhile to its problems. */
async function watched(logger: CountingLogger, series: () => Promise<SeriesRun & { routerErrors?: number }>): Promise<SeriesResult> {
  const before = { ...logger.counts, samples: logger.samples.length };
  const run = await series();
  const logged = logger.counts.error - before.error + (logger.counts.warn - before.warn);
  return {
    ...run,
    problems: logged + run.times.failures + (run.routerErrors ?? 0),
    problemSamples: [...logger.samples.slice(before.samples), ...run.times.failureSamples],
  };
}

async function routerSeries(driver: Driver, core: Core, requests: CommandRequest[], series: 'router-discord' | 'router-slack'): Promise<SeriesRun & { routerErrors: number }> {
  let routerErrors = 0;
  driver.onRoute = (_series, i) => {
    core.router.handle(requests[i]!).then(
      (result) => {
        if (result.outcome === 'error' || result.outcome === 'unavailable') routerErrors++;
        driver.routed(i);
      },
      // Left unanswered: the series counts it.
      () => routerErrors++,
    );
  };
  try {
    const run = await driver.run({ op: 'router.run', series }, LABELS[series], WARMUP + MEASURED);
    return { ...run, routerErrors };
  } finally {
    driver.onRoute = () => undefined;
  }
}

async function discordSeries(driver: Driver, core: Core, logger: CountingLogger): Promise<SeriesRun> {
  const endpoint = await driver.call<DiscordEndpoint>({ op: 'discord.start' });
  try {
    const config = loadConfig({ DISCORD_TOKEN: endpoint.token, DISCORD_API_URL: endpoint.apiUrl, JOBS_ENABLED: 'false', LOG_LEVEL: 'silent' });
    // Production settings: answers go out directly unless the core takes over 1.5 s.
    const adapter = createDiscordAdapter({ core, config, logger });
    await adapter.start();
    try {
      return await driver.run({ op: 'discord.run' }, LABELS.discord, WARMUP + MEASURED);
    } finally {
      await adapter.stop();
    }
  } finally {
    await driver.call({ op: 'discord.stop' });
  }
}

async function slackSeries(driver: Driver, core: Core, logger: CountingLogger): Promise<SeriesRun> {
  const endpoint = await driver.call<SlackEndpoint>({ op: 'slack.start' });
  try {
    const config: Config = {
      ...loadConfig({ SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL: endpoint.apiUrl, JOBS_ENABLED: 'false', LOG_LEVEL: 'silent' }),
      // Any free port (the schema asks 1-65535 of the environment).
      SLACK_PORT: 0,
    };
    const adapter = createSlackAdapter({ core, config, logger });
    await adapter.start();
    try {
      const appPort = adapter.port();
      if (appPort === undefined) throw new Error('the Slack adapter is not listening');
      return await driver.run({ op: 'slack.run', appPort }, LABELS.slack, WARMUP + MEASURED);
    } finally {
      await adapter.stop();
    }
  } finally {
    await driver.call({ op: 'slack.stop' });
  }
}

/** Enough of each community's rows to tell whether both databases went through the same writes. */
function sameDigest(a: SqliteStore, b: SqliteStore, seeded: { discord: SeededCommunity; slack: SeededCommunity }): boolean {
  const digest = (store: SqliteStore) =>
    JSON.stringify(
      [seeded.discord, seeded.slack].map(({ community }) => [
        store.database.prepare('SELECT count(*) AS n, total(stars) AS s FROM ratings WHERE community_id = ?').get(community.id),
        store.database.prepare('SELECT count(*) AS n FROM enrollments WHERE community_id = ?').get(community.id),
        store.database.prepare('SELECT count(*) AS n FROM members WHERE community_id = ?').get(community.id),
      ]),
    );
  return digest(a) === digest(b);
}

// ── Report ────────────────────────────────────────────────────────────────────────────────

function latencies(values: Float64Array, pick?: (j: number) => boolean): Latencies {
  const out = new Latencies(values.length);
  values.forEach((v, j) => {
    if (!Number.isNaN(v) && (!pick || pick(j))) out.add(v);
  });
  return out;
}

interface Figures {
  sent: number;
  answered: number;
  achievedPerS: number;
  ack: Latencies;
  reply: Latencies;
  busy: number;
}

function figuresOf(r: SeriesResult): Figures {
  const reply = latencies(r.times.replyMs);
  return {
    sent: r.times.replyMs.length,
    answered: reply.size,
    achievedPerS: reply.size / (r.times.windowMs / 1000),
    ack: latencies(r.times.ackMs),
    reply,
    busy: r.busy,
  };
}

function report(plan: AdapterPlan, runs: Record<SeriesId, SeriesResult>, sameWrites: boolean): SectionReport {
  const ids: SeriesId[] = ['router-discord', 'discord', 'router-slack', 'slack'];
  const f = Object.fromEntries(ids.map((id) => [id, figuresOf(runs[id])])) as Record<SeriesId, Figures>;
  const p = (l: Latencies, q: number) => round(l.percentile(q), 3);
  const pct = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : '—');
  const routerAll = latencies(new Float64Array([...runs['router-discord'].times.replyMs, ...runs['router-slack'].times.replyMs]));
  const overhead = {
    discord: { p50: p(f.discord.reply, 50) - p(f['router-discord'].reply, 50), p99: p(f.discord.reply, 99) - p(f['router-discord'].reply, 99) },
    slack: { p50: p(f.slack.reply, 50) - p(f['router-slack'].reply, 50), p99: p(f.slack.reply, 99) - p(f['router-slack'].reply, 99) },
  };
  const lag = latencies(new Float64Array(ids.flatMap((id) => [...runs[id].times.lagMs])));
  const problems = ids.reduce((sum, id) => sum + runs[id].problems, 0);
  const measuredCommands = plan.commands.slice(WARMUP);
  const commands = Object.keys(MIX) as PlannedCommand[];
  const byCommand = (id: SeriesId, c: PlannedCommand) => latencies(runs[id].times.replyMs, (j) => measuredCommands[j] === c);
  const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${formatNumber(round(ms, 3))} ms`;

  const lines = [
    `Part 4: adapters, ${RATE_PER_S} requests/s for ${MEASURED_SECONDS} s per series, open loop (sent on a fixed timetable whatever the answers), after ${WARMUP_SECONDS} s of warm-up at the same rate`,
    `The same ${MEASURED.toLocaleString('en-US')} requests (${Object.entries(MIX).map(([c, w]) => `${w}% /${c}`).join(', ')}) from ${plan.distinctMembers} distinct members on each platform; ` +
      `a real core on a SQLite file (WAL) seeded as in part 1; fake platforms and load generator in their own thread`,
    '',
    ...table(
      [
        { header: 'series', align: 'left' },
        { header: 'sent' },
        { header: 'answered' },
        { header: 'achieved/s' },
        { header: 'ack p50' },
        { header: 'reply p50' },
        { header: 'reply p99' },
        { header: 'reply max' },
        { header: 'bot thread busy' },
        { header: 'problems' },
      ],
      ids.map((id) => [
        LABELS[id],
        f[id].sent,
        f[id].answered,
        round(f[id].achievedPerS, 1),
        id.startsWith('router') ? '—' : p(f[id].ack, 50),
        p(f[id].reply, 50),
        p(f[id].reply, 99),
        p(f[id].reply, 100),
        pct(f[id].busy),
        runs[id].problems,
      ]),
    ),
    'ms from the request leaving the load generator to the reply reaching it (Discord: the interaction callback, or the edit after a deferral, at the fake REST API; Slack: the post to response_url; router: the result back over a MessagePort)',
    `adapter overhead at p50: Discord ${signed(overhead.discord.p50)}, Slack ${signed(overhead.slack.p50)}; at p99: Discord ${signed(overhead.discord.p99)}, Slack ${signed(overhead.slack.p99)} (reply minus the router's on the same requests)`,
    `Slack acknowledges with HTTP 200 at p50 ${formatNumber(p(f.slack.ack, 50))} ms, p99 ${formatNumber(p(f.slack.ack, 99))} ms (Slack's limit: 3,000); Discord deferred ${runs.discord.times.deferred} of ${MEASURED.toLocaleString('en-US')} interactions; ` +
      `the generator sent at most ${formatNumber(round(lag.percentile(100), 3))} ms late (p99 ${formatNumber(round(lag.percentile(99), 3))} ms)`,
    `bot thread stalls while measuring (longest event-loop delay; GC pauses, total and longest): ${ids
      .map((id) => `${SHORT[id]} ${formatNumber(round(runs[id].stalls.loopDelayMaxMs, 1))} ms; ${runs[id].stalls.gcPauses} GC, ${formatNumber(round(runs[id].stalls.gcTotalMs, 1))}/${formatNumber(round(runs[id].stalls.gcMaxMs, 1))} ms`)
      .join(' | ')}`,
    '',
    ...table(
      [
        { header: 'command', align: 'left' },
        { header: 'share' },
        { header: 'router→D p50' },
        { header: 'Discord p50' },
        { header: 'Discord p99' },
        { header: 'router→S p50' },
        { header: 'Slack p50' },
        { header: 'Slack p99' },
      ],
      commands.map((c) => [
        `/${c}`,
        pct(measuredCommands.filter((x) => x === c).length / MEASURED),
        p(byCommand('router-discord', c), 50),
        p(byCommand('discord', c), 50),
        p(byCommand('discord', c), 99),
        p(byCommand('router-slack', c), 50),
        p(byCommand('slack', c), 50),
        p(byCommand('slack', c), 99),
      ]),
    ),
  ];
  for (const id of ids) {
    const r = runs[id];
    if (r.problems > 0 || r.times.warmupUnanswered > 0) {
      lines.push(`WARNING ${LABELS[id]}: ${r.problems} problems, ${r.times.warmupUnanswered} warm-up requests unanswered${r.problemSamples.length > 0 ? `; e.g. ${r.problemSamples.join(' | ')}` : ''}`);
    }
  }
  if (!sameWrites) lines.push('NOTE: the adapters and the router baseline did not leave the same rows behind.');

  const series = (id: SeriesId) => ({
    sent: f[id].sent,
    answered: f[id].answered,
    achieved_per_s: round(f[id].achievedPerS, 1),
    ...(id.startsWith('router') ? {} : { ack_p50_ms: p(f[id].ack, 50), ack_p99_ms: p(f[id].ack, 99) }),
    reply_p50_ms: p(f[id].reply, 50),
    reply_p99_ms: p(f[id].reply, 99),
    reply_max_ms: p(f[id].reply, 100),
    busy: round(f[id].busy, 3),
    loop_delay_p99_ms: round(runs[id].stalls.loopDelayP99Ms, 3),
    loop_delay_max_ms: round(runs[id].stalls.loopDelayMaxMs, 3),
    gc_pauses: runs[id].stalls.gcPauses,
    gc_total_ms: round(runs[id].stalls.gcTotalMs, 3),
    gc_max_ms: round(runs[id].stalls.gcMaxMs, 3),
    generator_lag_p99_ms: round(latencies(runs[id].times.lagMs).percentile(99), 3),
    generator_lag_max_ms: round(latencies(runs[id].times.lagMs).percentile(100), 3),
    problems: runs[id].problems,
  });
  return {
    lines,
    figures: {
      adapters_rate_per_s: RATE_PER_S,
      adapters_seconds: MEASURED_SECONDS,
      adapters_requests: MEASURED,
      router_p50_ms: p(routerAll, 50),
      router_p99_ms: p(routerAll, 99),
      router_max_ms: p(routerAll, 100),
      router_discord_p50_ms: p(f['router-discord'].reply, 50),
      router_discord_p99_ms: p(f['router-discord'].reply, 99),
      router_slack_p50_ms: p(f['router-slack'].reply, 50),
      router_slack_p99_ms: p(f['router-slack'].reply, 99),
      discord_sent: f.discord.sent,
      discord_reply_p50_ms: p(f.discord.reply, 50),
      discord_reply_p99_ms: p(f.discord.reply, 99),
      discord_reply_max_ms: p(f.discord.reply, 100),
      discord_answered: f.discord.answered,
      discord_achieved_per_s: round(f.discord.achievedPerS, 1),
      slack_sent: f.slack.sent,
      slack_ack_p50_ms: p(f.slack.ack, 50),
      slack_ack_p99_ms: p(f.slack.ack, 99),
      slack_reply_p50_ms: p(f.slack.reply, 50),
      slack_reply_p99_ms: p(f.slack.reply, 99),
      slack_reply_max_ms: p(f.slack.reply, 100),
      slack_answered: f.slack.answered,
      slack_achieved_per_s: round(f.slack.achievedPerS, 1),
      discord_overhead_p50_ms: round(overhead.discord.p50, 3),
      slack_overhead_p50_ms: round(overhead.slack.p50, 3),
      adapter_overhead_p50_ms: round(Math.max(overhead.discord.p50, overhead.slack.p50), 3),
      discord_overhead_p99_ms: round(overhead.discord.p99, 3),
      slack_overhead_p99_ms: round(overhead.slack.p99, 3),
      adapters_generator_max_lag_ms: round(lag.percentile(100), 3),
      adapters_problems: problems,
      adapters_same_writes: sameWrites,
      adapters_by_series: Object.fromEntries(ids.map((id) => [id, series(id)])),
    },
  };
}
