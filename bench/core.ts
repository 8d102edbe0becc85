import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../src/composition/app.ts';
import type { CommandRequest, Outcome } from '../src/core/router.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { RequestPlanner, type PlannedCommand, type PlannedOp } from './core-plan.ts';
import { runRaw, type RawOutcome } from './core-raw.ts';
import { toRequest } from './core-requests.ts';
import { BENCH_COMMUNITY, seedCommunity, type SeededCommunity } from './fixtures/community.ts';
import { seedSnapshots } from './fixtures/snapshots.ts';
import { measureFloor, type Floor } from './lib/floor.ts';
import { note, progress } from './lib/progress.ts';
import { Latencies, round } from './lib/stats.ts';
import { formatNumber, table } from './lib/table.ts';
import type { BenchSection, SectionReport } from './section.ts';

/** A fixed count, not a duration, so that runs on different machines do the same work. */
const MEASURED_OPS = 20_000;
const WARMUP_OPS = 2_000;
/** Core and raw take turns in chunks of this size, so both see the same machine conditions. */
const CHUNK = 1_000;
const PRIOR_WEIGHT = 5;
const COMMANDS: readonly PlannedCommand[] = ['courses', 'enroll', 'rate', 'score'];

interface Series {
  label: string;
  wallMs: number;
  /** CPU time of this process (all threads) while the series ran: steadier than wall time on a busy machine. */
  cpuMs: number;
  all: Latencies;
  byCommand: Map<PlannedCommand, Latencies>;
  /** `command:outcome` -> count, over warm-up and measured requests. */
  outcomes: Map<string, number>;
}

function series(label: string): Series {
  return { label, wallMs: 0, cpuMs: 0, all: new Latencies(MEASURED_OPS), byCommand: new Map(COMMANDS.map((c) => [c, new Latencies(MEASURED_OPS / 2)])), outcomes: new Map() };
}

/**
 * Part 1: the command mix through the real CommandRouter (createCore, SQLite file in WAL), and
 * beside it the same store calls made directly on an identical copy of the database.
 */
export const coreSection: BenchSection = {
  id: 'core',
  title: 'Core commands',
  async run({ workDir }): Promise<SectionReport> {
    const corePath = join(workDir, 'core.sqlite');
    const rawPath = join(workDir, 'raw.sqlite');
    const seeded = await seedOnce(corePath);
    // Both series start from the same bytes and replay the same requests, so their states
    // stay identical and the raw calls take the same branches as the commands.
    copyFileSync(corePath, rawPath);
    const coreStore = SqliteStore.open({ path: corePath });
    const rawStore = SqliteStore.open({ path: rawPath });
    try {
      const core = createCore({ store: coreStore, logger: silentLogger, config: { BAYES_PRIOR_WEIGHT: PRIOR_WEIGHT } });
      const planner = new RequestPlanner(seeded, 11);
      const warmup = planner.plan(WARMUP_OPS);
      const measured = planner.plan(MEASURED_OPS);
      // Adapters build requests from platform events; that is their cost, not the core's.
      const warmupRequests = warmup.map((op) => toRequest(op, seeded));
      const measuredRequests = measured.map((op) => toRequest(op, seeded));

      const coreSeries = series('core (router)');
      const rawSeries = series('raw store calls');
      const runCore = (ops: PlannedOp[], requests: CommandRequest[], from: number, to: number, record: boolean) =>
        timeChunk(coreSeries, ops, from, to, record, async (i) => {
          const result = await core.router.handle(requests[i]!);
          if (result.outcome !== 'ok' && result.outcome !== 'user-error') {
            throw new Error(`/${ops[i]!.command} ended ${result.outcome}: ${result.reply.body.join(' ')}`);
          }
          return result.outcome;
        });
      const runRawChunk = (ops: PlannedOp[], from: number, to: number, record: boolean) =>
        timeChunk(rawSeries, ops, from, to, record, (i) => runRaw(rawStore, seeded, ops[i]!, PRIOR_WEIGHT));

      note('machine-speed floor (bare better-sqlite3, fixed mix), before the series');
      const floorBefore = measureFloor(workDir);
      const bar = progress('core commands (warm-up, then core and raw in turns)', WARMUP_OPS + MEASURED_OPS);
      for (let from = 0; from < WARMUP_OPS; from += CHUNK) {
        const to = Math.min(WARMUP_OPS, from + CHUNK);
        await runCore(warmup, warmupRequests, from, to, false);
        await runRawChunk(warmup, from, to, false);
        bar.update(to);
      }
      for (let from = 0, turn = 0; from < MEASURED_OPS; from += CHUNK, turn++) {
        const to = Math.min(MEASURED_OPS, from + CHUNK);
        // Alternate who goes first so neither always runs right after the other's writes.
        if (turn % 2 === 0) {
          await runCore(measured, measuredRequests, from, to, true);
          await runRawChunk(measured, from, to, true);
        } else {
          await runRawChunk(measured, from, to, true);
          await runCore(measured, measuredRequests, from, to, true);
        }
        bar.update(WARMUP_OPS + to);
      }
      bar.done();
      note('machine-speed floor, after the series');
      const floorAfter = measureFloor(workDir);
      const floor: Floor = {
        rounds_per_s: Math.round((floorBefore.rounds_per_s + floorAfter.rounds_per_s) / 2),
        cpu_ms_per_round: round((floorBefore.cpu_ms_per_round + floorAfter.cpu_ms_per_round) / 2, 4),
      };

      const outcomesMatch = sameTallies(coreSeries.outcomes, rawSeries.outcomes);
      const statesMatch = stateDigest(coreStore) === stateDigest(rawStore);
      if (!outcomesMatch || !statesMatch) note('WARNING: the raw series did not mirror the router (outcomes or final rows differ); core_vs_raw is not meaningful.');
      return report(seeded, measured, coreSeries, rawSeries, outcomesMatch && statesMatch, floor);
    } finally {
      await coreStore.close();
      await rawStore.close();
    }
  },
};

async function seedOnce(path: string): Promise<SeededCommunity> {
  const store = SqliteStore.open({ path });
  try {
    const seeded = await seedCommunity(store);
    await seedSnapshots(store, seeded);
    return seeded;
  } finally {
    // Closing checkpoints the WAL into the main file, so a plain copy is a complete database.
    await store.close();
    if (existsSync(`${path}-wal`)) throw new Error('the WAL survived close; cannot copy the seeded database safely');
  }
}

async function timeChunk(
  s: Series,
  ops: PlannedOp[],
  from: number,
  to: number,
  record: boolean,
  run: (i: number) => Promise<Outcome | RawOutcome>,
): Promise<void> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = from; i < to; i++) {
    const t0 = performance.now();
    const outcome = await run(i);
    const ms = performance.now() - t0;
    const command = ops[i]!.command;
    const key = `${command}:${outcome}`;
    s.outcomes.set(key, (s.outcomes.get(key) ?? 0) + 1);
    if (record) {
      s.all.add(ms);
      s.byCommand.get(command)!.add(ms);
    }
  }
  if (record) {
    s.wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    s.cpuMs += (used.user + used.system) / 1000;
  }
}

function sameTallies(a: Map<string, number>, b: Map<string, number>): boolean {
  return a.size === b.size && [...a].every(([key, n]) => b.get(key) === n);
}

/** Enough of the rows to tell whether both databases went through the same writes. */
function stateDigest(store: SqliteStore): string {
  const db = store.database;
  const ratings = db.prepare('SELECT count(*) AS n, total(stars) AS s FROM ratings').get();
  const enrollments = db.prepare('SELECT count(*) AS n FROM enrollments').get();
  const courses = db.prepare('SELECT total(rating_count) AS n, total(rating_sum) AS s, total(enrolled_count) AS e FROM courses').get();
  return JSON.stringify([ratings, enrollments, courses]);
}

function report(seeded: SeededCommunity, measured: PlannedOp[], core: Series, raw: Series, mirrored: boolean, floor: Floor): SectionReport {
  const coreOps = MEASURED_OPS / (core.wallMs / 1000);
  const rawOps = MEASURED_OPS / (raw.wallMs / 1000);
  const distinctMembers = new Set(measured.map((op) => op.member)).size;
  const counts = new Map<PlannedCommand, number>(COMMANDS.map((c) => [c, measured.filter((op) => op.command === c).length]));
  const userErrors = (c: PlannedCommand) => core.outcomes.get(`${c}:user-error`) ?? 0;
  const allOf = (c: PlannedCommand) => (core.outcomes.get(`${c}:ok`) ?? 0) + userErrors(c);
  const p = (l: Latencies | undefined, q: number) => round(l?.percentile(q) ?? Number.NaN, 3);

  const shape = BENCH_COMMUNITY;
  const lines = [
    `Part 1: core commands, SQLite file (WAL), ${shape.members.toLocaleString('en-US')} members, ${shape.courses} courses (${shape.archived} archived), ` +
      `${seeded.enrollments.toLocaleString('en-US')} enrollments and ${seeded.ratings.toLocaleString('en-US')} ratings seeded`,
    `${MEASURED_OPS.toLocaleString('en-US')} requests after ${WARMUP_OPS.toLocaleString('en-US')} warm-up, one at a time, from ${distinctMembers} distinct members; ` +
      `core and raw alternate in chunks of ${CHUNK.toLocaleString('en-US')}`,
    '',
    ...table(
      [{ header: 'series', align: 'left' }, { header: 'ops/s' }, { header: 'p50 ms' }, { header: 'p99 ms' }, { header: 'CPU ms/op' }],
      [
        [core.label, Math.round(coreOps), p(core.all, 50), p(core.all, 99), round(core.cpuMs / MEASURED_OPS, 3)],
        [raw.label, Math.round(rawOps), p(raw.all, 50), p(raw.all, 99), round(raw.cpuMs / MEASURED_OPS, 3)],
      ],
    ),
    `core_vs_raw = ${formatNumber(coreOps / rawOps)} (the router reaches this share of the raw store's throughput)${mirrored ? '' : '  [WARNING: raw did not mirror core]'}`,
    `machine-speed floor: bare better-sqlite3 (WAL) does ${floor.rounds_per_s.toLocaleString('en-US')} rounds/s of a fixed mix (2 key reads, an 8-row page, an upsert; ` +
      `${floor.cpu_ms_per_round} ms CPU each); core_vs_floor = ${formatNumber(coreOps / floor.rounds_per_s)} (compare this across machines)`,
    '',
    ...table(
      [
        { header: 'command', align: 'left' },
        { header: 'share' },
        { header: 'core p50' },
        { header: 'core p99' },
        { header: 'raw p50' },
        { header: 'raw p99' },
        { header: 'friendly refusals' },
      ],
      COMMANDS.map((c) => [
        `/${c}`,
        `${Math.round(((counts.get(c) ?? 0) / MEASURED_OPS) * 100)}%`,
        p(core.byCommand.get(c), 50),
        p(core.byCommand.get(c), 99),
        p(raw.byCommand.get(c), 50),
        p(raw.byCommand.get(c), 99),
        `${Math.round((userErrors(c) / Math.max(1, allOf(c))) * 100)}%`,
      ]),
    ),
  ];
  return {
    lines,
    figures: {
      core_ops_per_s: Math.round(coreOps),
      raw_store_ops_per_s: Math.round(rawOps),
      core_vs_raw: round(coreOps / rawOps, 3),
      core_cpu_ms_per_op: round(core.cpuMs / MEASURED_OPS, 3),
      raw_cpu_ms_per_op: round(raw.cpuMs / MEASURED_OPS, 3),
      core_p50_ms: p(core.all, 50),
      core_p99_ms: p(core.all, 99),
      raw_p50_ms: p(raw.all, 50),
      raw_p99_ms: p(raw.all, 99),
      core_by_command: Object.fromEntries(
        COMMANDS.map((c) => [c, { share: round((counts.get(c) ?? 0) / MEASURED_OPS, 3), core_p50_ms: p(core.byCommand.get(c), 50), core_p99_ms: p(core.byCommand.get(c), 99), raw_p50_ms: p(raw.byCommand.get(c), 50), raw_p99_ms: p(raw.byCommand.get(c), 99) }]),
      ),
      core_requests: MEASURED_OPS,
      core_distinct_members: distinctMembers,
      core_raw_mirrored: mirrored,
      floor_rounds_per_s: floor.rounds_per_s,
      floor_cpu_ms_per_round: floor.cpu_ms_per_round,
      core_vs_floor: round(coreOps / floor.rounds_per_s, 4),
      core_cpu_vs_floor: round(core.cpuMs / MEASURED_OPS / floor.cpu_ms_per_round, 2),
    },
  };
}
