import { copyFileSync, existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../src/composition/app.ts';
import { loadConfig, type Config } from '../src/composition/config.ts';
import type { CommandRequest } from '../src/core/router.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import type { PlatformAdapter } from '../src/ports/platform.ts';
import { createDiscordAdapter } from '../adapters/discord/index.ts';
import { createSlackAdapter } from '../adapters/slack/index.ts';
import { Driver } from './adapters-driver-client.ts';
import { planAdapterRequests } from './adapters-plan.ts';
import type { BlockTimes, DiscordEndpoint, RouterSeries, SeriesId, SlackEndpoint } from './adapters-protocol.ts';
import { bySeries, reportAdapters, SERIES, type SeriesResult } from './adapters-report.ts';
import { BENCH_COMMUNITY, seedCommunity, type SeededCommunity } from './fixtures/community.ts';
import { seedSnapshots } from './fixtures/snapshots.ts';
import { countingLogger, type CountingLogger } from './lib/counting-logger.ts';
import { note, progress } from './lib/progress.ts';
import { GcLog, ThreadMeter } from './lib/thread-meter.ts';
import { threadCpu, threadCpuSince } from './lib/thread-cpu.ts';
import type { BenchSection, SectionReport } from './section.ts';
import { discordAdapterConfig, slackAdapterConfig } from '../src/composition/adapter-config.ts';

/**
 * Steady rates: 500/s is the goal (first response p99 under 20 ms), 1,000/s shows where it
 * bends. Each rate is a separate run from the same seed.
 */
const RATES_PER_S = [500, 1000] as const;
/** The rate whose figures keep the unprefixed keys of the JSON line. */
const GOAL_RATE = 500;
/** Each series gets this much measured time at the rate, in turns of TURN_SECONDS. */
const MEASURED_SECONDS = 10;
const TURN_SECONDS = 2;
/** One untimed turn per series first: JIT, connections, caches (Slack's users.info). */
const WARMUP_SECONDS = 2;
const ROUNDS = MEASURED_SECONDS / TURN_SECONDS;
/** Late answers are waited for this long after a turn's last request; later ones count as unanswered. */
const DRAIN_MS = 10_000;
const PRIOR_WEIGHT = 5;
const PLAN_SEED = 23;

const GUILD = { id: '1200000000000000001', name: 'Bench Guild', locale: 'en-US' };
const TEAM = { id: 'T0BENCH001', name: 'Bench Workspace', domain: 'bench' };
const SLACK_BOT_TOKEN = 'xoxb-bench-bot-token';
const SLACK_SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';

/** A Discord user id (a snowflake) for the seeded member at `index`. */
const discordUserId = (index: number) => `1${String(index).padStart(17, '0')}`;

/**
 * Part 4: interaction-to-reply latency through the real adapters at a steady request rate,
 * beside the same requests handed straight to CommandRouter.handle at the same rate. The fake
 * platforms and the load generator run in a worker thread (bench/adapters-driver.ts); this
 * thread runs the core and both adapters, as `syllabot start` would. The four series take
 * turns (order rotating each round), as part 1's core and raw series do, so a noisy moment of
 * the machine falls on all of them alike instead of on whichever ran then.
 */
export const adaptersSection: BenchSection = {
  id: 'adapters',
  title: 'Adapters: interaction to reply',
  async run({ workDir, machine }): Promise<SectionReport> {
    const seedPath = join(workDir, 'seed.sqlite');
    const seeded = await seedBoth(seedPath);
    const lines: string[] = [];
    const figures: Record<string, unknown> = {};
    for (const rate of RATES_PER_S) {
      const report = await measureAt(rate, workDir, seedPath, seeded, machine.cores);
      lines.push(...report.lines, '');
      if (rate === GOAL_RATE) Object.assign(figures, report.figures);
      figures[`adapters_at_${rate}`] = report.figures;
    }
    return { lines: lines.slice(0, -1), figures };
  },
};

async function measureAt(rate: number, workDir: string, seedPath: string, seeded: { discord: SeededCommunity; slack: SeededCommunity }, cores: number): Promise<SectionReport> {
  const WARMUP = rate * WARMUP_SECONDS;
  const MEASURED = rate * MEASURED_SECONDS;
  // Tails depend on what else the machine runs; the load when this rate starts says how busy it was.
  const loadAtStart = loadavg()[0] ?? Number.NaN;
  // The router baseline and the adapters start from the same bytes and get the same requests.
  const routerPath = join(workDir, `router-${rate}.sqlite`);
  const botPath = join(workDir, `bot-${rate}.sqlite`);
  copyFileSync(seedPath, routerPath);
  copyFileSync(seedPath, botPath);
  const plan = planAdapterRequests({ discord: { seeded: seeded.discord, guild: GUILD }, slack: { seeded: seeded.slack, team: TEAM } }, WARMUP, MEASURED, PLAN_SEED);

  // Undone in reverse order, whatever happens.
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    const routerStore = SqliteStore.open({ path: routerPath });
    cleanup.push(() => routerStore.close());
    const botStore = SqliteStore.open({ path: botPath });
    cleanup.push(() => botStore.close());
    const driver = Driver.start({
      ratePerS: rate,
      drainMs: DRAIN_MS,
      discord: { guild: GUILD, calls: plan.discordCalls },
      slack: { team: TEAM, botToken: SLACK_BOT_TOKEN, signingSecret: SLACK_SIGNING_SECRET, users: plan.slackUsers, calls: plan.slackCalls },
    });
    cleanup.push(() => driver.close());
    const gc = new GcLog();
    cleanup.push(() => gc.close());

    const logger = countingLogger();
    const routerCore = createCore({ store: routerStore, logger, config: { BAYES_PRIOR_WEIGHT: PRIOR_WEIGHT } });
    const botCore = createCore({ store: botStore, logger, config: { BAYES_PRIOR_WEIGHT: PRIOR_WEIGHT } });
    const routerErrors = serveRouter(driver, routerCore, { 'router-discord': plan.routerDiscord, 'router-slack': plan.routerSlack });
    cleanup.push(await startDiscord(driver, botCore, logger));
    cleanup.push(await startSlack(driver, botCore, logger));

    const series = await runTurns(driver, logger, routerErrors, rate);
    const results = bySeries((id): SeriesResult => ({ ...series[id], load: series[id].meter.load(gc) }));
    const sameWrites = sameDigest(routerStore, botStore, seeded);
    if (!sameWrites) note('NOTE: the adapters and the router baseline left different rows (requests of one member overtook each other?)');
    return reportAdapters({
      rate,
      measuredSeconds: MEASURED_SECONDS,
      turnSeconds: TURN_SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      measured: MEASURED,
      commands: plan.commands.slice(WARMUP),
      distinctMembers: plan.distinctMembers,
      series: results,
      sameWrites,
      loadAtStart,
      cores,
    });
  } finally {
    for (const undo of cleanup.reverse()) await undo();
  }
}

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

/** The router baseline: requests the driver hands over go straight to CommandRouter.handle. */
function serveRouter(driver: Driver, core: Core, requests: Record<RouterSeries, CommandRequest[]>): Record<RouterSeries, number> {
  const errors: Record<RouterSeries, number> = { 'router-discord': 0, 'router-slack': 0 };
  driver.onRoute = (series, i) => {
    core.router.handle(requests[series][i]!).then(
      (result) => {
        if (result.outcome === 'error' || result.outcome === 'unavailable') errors[series]++;
        driver.routed(series, i);
      },
      // Left unanswered: the driver counts it.
      () => errors[series]++,
    );
  };
  return errors;
}

/** The real Discord adapter, production settings (answers directly unless the core takes 1.5 s). */
async function startDiscord(driver: Driver, core: Core, logger: CountingLogger): Promise<() => Promise<void>> {
  const endpoint = await driver.call<DiscordEndpoint>({ op: 'discord.start' });
  const config = loadConfig({ DISCORD_TOKEN: endpoint.token, DISCORD_API_URL: endpoint.apiUrl, JOBS_ENABLED: 'false', LOG_LEVEL: 'silent' });
  return startAdapter(createDiscordAdapter(discordAdapterConfig({ core, config, logger })), async () => {
    await driver.call({ op: 'discord.stop' });
  });
}

/** The real Slack adapter: Bolt's HTTP receiver on a free port, checking every signature. */
async function startSlack(driver: Driver, core: Core, logger: CountingLogger): Promise<() => Promise<void>> {
  const endpoint = await driver.call<SlackEndpoint>({ op: 'slack.start' });
  const config: Config = {
    ...loadConfig({ SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL: endpoint.apiUrl, JOBS_ENABLED: 'false', LOG_LEVEL: 'silent' }),
    // Any free port (the schema asks 1-65535 of the environment).
    SLACK_PORT: 0,
  };
  const adapter = createSlackAdapter(slackAdapterConfig({ core, config, logger }));
  const stop = await startAdapter(adapter, async () => {
    await driver.call({ op: 'slack.stop' });
  });
  const appPort = adapter.port();
  if (appPort === undefined) {
    await stop();
    throw new Error('the Slack adapter is not listening');
  }
  await driver.call({ op: 'slack.connect', appPort });
  return stop;
}

/** Starts an adapter; the returned function stops it, then its fake platform. */
async function startAdapter(adapter: PlatformAdapter, stopFake: () => Promise<void>): Promise<() => Promise<void>> {
  try {
    await adapter.start();
  } catch (error) {
    await stopFake();
    throw error;
  }
  return async () => {
    try {
      await adapter.stop();
    } finally {
      await stopFake();
    }
  };
}

type TurnResult = Omit<SeriesResult, 'load'> & { meter: ThreadMeter };

/** A warm-up turn per series, then ROUNDS rounds of one measured turn each, order rotating. */
async function runTurns(driver: Driver, logger: CountingLogger, routerErrors: Record<RouterSeries, number>, rate: number): Promise<Record<SeriesId, TurnResult>> {
  const TURN = rate * TURN_SECONDS;
  const WARMUP = rate * WARMUP_SECONDS;
  const MEASURED = rate * MEASURED_SECONDS;
  const bar = progress(`adapters at ${rate}/s: ${SERIES.length} series in turns of ${TURN_SECONDS} s`, SERIES.length * (WARMUP + MEASURED));
  let done = 0;
  driver.onProgress = (sent) => bar.update(done + sent);
  const turns = bySeries((): BlockTimes[] => []);
  const result = bySeries((): Omit<TurnResult, 'times'> => ({ meter: new ThreadMeter(), cpu: { cpuMs: 0, waitMs: 0 }, problems: 0, problemSamples: [], warmupUnanswered: 0 }));

  const turn = async (id: SeriesId, from: number, to: number, measured: boolean) => {
    const logged = { warn: logger.counts.warn, error: logger.counts.error, samples: logger.samples.length };
    const routed = id === 'router-discord' || id === 'router-slack' ? routerErrors[id] : 0;
    const cpuBefore = threadCpu();
    const times = await driver.block({ series: id, from, to }, measured ? result[id].meter : undefined);
    const r = result[id];
    // The whole turn, late answers included: only this series ran on the bot thread meanwhile.
    const used = threadCpuSince(cpuBefore);
    if (measured && r.cpu) {
      if (used) {
        r.cpu.cpuMs += used.cpuMs;
        r.cpu.waitMs += used.waitMs;
      } else r.cpu = undefined;
    }
    // Whatever went wrong during a turn belongs to the series that had it.
    r.problems += logger.counts.warn - logged.warn + logger.counts.error - logged.error + times.failures;
    if (id === 'router-discord' || id === 'router-slack') r.problems += routerErrors[id] - routed;
    r.problemSamples.push(...logger.samples.slice(logged.samples), ...times.failureSamples);
    if (measured) turns[id].push(times);
    else r.warmupUnanswered += times.replyMs.filter(Number.isNaN).length;
    done += to - from;
    bar.update(done);
  };

  for (const id of SERIES) await turn(id, 0, WARMUP, false);
  for (let round = 0; round < ROUNDS; round++) {
    const from = WARMUP + round * TURN;
    for (const id of rotate(SERIES, round)) await turn(id, from, from + TURN, true);
  }
  bar.done();
  driver.onProgress = () => undefined;
  return bySeries((id) => ({ ...result[id], times: joinTurns(turns[id]) }));
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const k = by % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/** One series' turns as one list of requests (in request order: turns run in order). */
function joinTurns(turns: BlockTimes[]): BlockTimes {
  const join = (pick: (t: BlockTimes) => Float64Array) => Float64Array.from(turns.flatMap((t) => [...pick(t)]));
  return {
    ackMs: join((t) => t.ackMs),
    replyMs: join((t) => t.replyMs),
    lagMs: join((t) => t.lagMs),
    windowMs: turns.reduce((sum, t) => sum + t.windowMs, 0),
    deferred: turns.reduce((sum, t) => sum + t.deferred, 0),
    generatorCpu: turns.every((t) => t.generatorCpu)
      ? { cpuMs: turns.reduce((sum, t) => sum + t.generatorCpu!.cpuMs, 0), waitMs: turns.reduce((sum, t) => sum + t.generatorCpu!.waitMs, 0) }
      : undefined,
    failures: turns.reduce((sum, t) => sum + t.failures, 0),
    failureSamples: turns.flatMap((t) => t.failureSamples),
  };
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
