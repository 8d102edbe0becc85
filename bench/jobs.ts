import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createCore } from '../src/composition/app.ts';
import { loadConfig, type Config } from '../src/composition/config.ts';
import type { CommunityRef } from '../src/domain/model.ts';
import type { Reply } from '../src/domain/reply.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { silentLogger } from '../src/ports/logger.ts';
import type { Messenger } from '../src/ports/messenger.ts';
import { createJobs } from '../jobs/index.ts';
import { DEFAULT_JOB_OPTIONS, KEEP_FINISHED, reminderQueueName } from '../jobs/queues.ts';
import { planReminders, ReminderScheduler, type PlannedReminder } from '../jobs/reminders.ts';
import { courseCatalog, memberName } from './fixtures/catalog.ts';
import { note, progress } from './lib/progress.ts';
import { Random } from './lib/random.ts';
import { round } from './lib/stats.ts';
import { table } from './lib/table.ts';
import type { BenchSection, SectionReport } from './section.ts';

/** Reminders timed per round and series: every one is due now and goes out exactly once. */
const JOBS = 5_000;
/**
 * Rounds per series, bare and real alternating; each series is reported by its best round. On a
 * shared machine another process's burst slows whichever series runs then: one round each
 * compared two draws of that noise, the best of three compares the series.
 */
const ROUNDS = 3;
/** Processed first, untimed, so both series run warm (JIT, connections, SQLite cache). */
const WARMUP_JOBS = 500;
const MEMBERS = 1_000;
const COURSES = 20;
/** The reminder worker's concurrency in jobs/runtime.ts; the bare worker gets the same. */
const CONCURRENCY = 5;
const TIMEOUT_MS = 120_000;

/**
 * Part 3: reminder jobs through the real worker (createJobs: BullMQ worker, reminder processor
 * checking the SQLite store, delivery log in the same store) into a recording Messenger, against
 * a bare BullMQ worker with a no-op processor on the same Redis, same job options and
 * concurrency. Each series gets its own reminders (the real one sends each once).
 */
export const jobsSection: BenchSection = {
  id: 'jobs',
  title: 'Jobs: reminders',
  async run({ workDir }): Promise<SectionReport> {
    const config = loadConfig({ LOG_LEVEL: 'silent', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
    const unreachable = await redisProblem(config.REDIS_URL);
    if (unreachable) return { lines: [], figures: {}, skipped: `Redis not reachable (${unreachable})` };
    const prefix = `bench-${process.pid}-${Date.now()}`;
    const store = SqliteStore.open({ path: join(workDir, 'jobs.sqlite') });
    const series: Series[] = [];
    try {
      const planned = await seedReminders(store, WARMUP_JOBS + ROUNDS * JOBS);
      const warmup = planned.slice(0, WARMUP_JOBS);
      const rounds = Array.from({ length: ROUNDS }, (_, r) => planned.slice(WARMUP_JOBS + r * JOBS, WARMUP_JOBS + (r + 1) * JOBS));
      note('warming up: bare BullMQ (no-op processor), real worker (reminder processor, delivery log, recording messenger)');
      const bare = await bareSeries(config.REDIS_URL, `${prefix}-bare`);
      series.push(bare);
      const real = await realSeries(config, store, `${prefix}-real`);
      series.push(real);
      await bare.run(warmup);
      await real.run(warmup);
      const times = { bare: [] as number[], real: [] as number[] };
      for (const [r, jobs] of rounds.entries()) {
        note(`round ${r + 1}/${ROUNDS}: bare, then real`);
        times.bare.push(await bare.run(jobs));
        times.real.push(await real.run(jobs));
      }
      return report(times);
    } finally {
      for (const s of series.reverse()) await s.stop();
      await store.close();
      await removeKeys(config.REDIS_URL, prefix);
    }
  },
};

async function redisProblem(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    redis.disconnect();
  }
}

/** Members enrolled in courses they have not rated: each enrollment is owed a "rate it" nudge. */
export async function seedReminders(store: SqliteStore, wanted: number): Promise<PlannedReminder[]> {
  const random = new Random(31);
  const community = await store.upsertCommunity({ platform: 'discord', externalId: 'bench-jobs-guild' }, 'Bench Jobs');
  const courses = [];
  for (const course of courseCatalog(random, COURSES)) courses.push(await store.createCourse(community.id, { ...course, startsAt: null }));
  const planned: PlannedReminder[] = [];
  const enrolledAt = new Date(Date.now() - 7 * 86_400_000);
  const perMember = Math.ceil(wanted / MEMBERS);
  const bar = progress('seeding enrollments owed a reminder', wanted);
  for (let m = 0; m < MEMBERS && planned.length < wanted; m++) {
    const member = await store.upsertMember(community.id, `U${String(200_000 + m)}`, memberName(random, m));
    for (let k = 0; k < perMember && planned.length < wanted; k++) {
      const course = courses[(m + k) % courses.length]!;
      await store.enroll(community.id, member.id, course.id, enrolledAt);
      // The production plan for this enrollment, with the nudge due already.
      planned.push(...planReminders({ communityId: community.id, memberId: member.id, course, enrolledAt }, { startLeads: [], nudgeAfterMs: 0 }));
    }
    bar.update(planned.length);
  }
  bar.done();
  return planned;
}

/**
 * A worker that stays up across rounds. `run` queues the jobs with the queue paused, then times
 * from resuming until the last one is done, so only processing is timed (ms).
 */
export interface Series {
  run(jobs: readonly PlannedReminder[]): Promise<number>;
  stop(): Promise<void>;
}

export async function bareSeries(url: string, prefix: string): Promise<Series> {
  // Two connections, as the real service has (producer and worker); BullMQ leaves closing them to us.
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new Queue('reminders-bare', { connection, prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
  let completed = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const worker = new Worker('reminders-bare', async () => 'sent', { connection: workerConnection, prefix, concurrency: CONCURRENCY, ...KEEP_FINISHED });
  worker.on('completed', () => {
    completed++;
    for (const w of waiters) if (completed === w.count) w.resolve();
  });
  const reach = (count: number) => new Promise<void>((resolve) => (completed >= count ? resolve() : waiters.push({ count, resolve })));
  return {
    async run(jobs) {
      await queue.pause();
      for (let i = 0; i < jobs.length; i += 500) {
        await queue.addBulk(jobs.slice(i, i + 500).map((r) => ({ name: r.data.kind, data: r.data, opts: { jobId: r.jobId } })));
      }
      const total = completed + jobs.length;
      const started = performance.now();
      await queue.resume();
      await withDeadline(reach(total), () => `bare worker completed ${completed}/${total}`);
      return performance.now() - started;
    },
    async stop() {
      await worker.close();
      await queue.close();
      connection.disconnect();
      workerConnection.disconnect();
    },
  };
}

/** Records what the jobs would send, and says when a given number has arrived. */
class RecordingMessenger implements Messenger {
  readonly platforms = ['discord'] as const;
  sent = 0;
  private readonly waiters: { count: number; resolve: () => void }[] = [];

  async postToChannel(_community: CommunityRef, _channelId: string, _reply: Reply): Promise<void> {}

  async sendToMember(_community: CommunityRef, _member: string, reply: Reply): Promise<void> {
    if (!reply.title) throw new Error('a reminder without a title');
    this.sent++;
    for (const w of this.waiters) if (this.sent === w.count) w.resolve();
  }

  reach(count: number): Promise<void> {
    return new Promise((resolve) => (this.sent >= count ? resolve() : this.waiters.push({ count, resolve })));
  }
}

export async function realSeries(config: Config, store: SqliteStore, prefix: string): Promise<Series> {
  const core = createCore({ store, logger: silentLogger, config });
  const recorder = new RecordingMessenger();
  core.messengers.register(recorder);
  const jobs = createJobs({ core, config, logger: silentLogger, role: 'worker', options: { prefix } });
  if (!jobs) throw new Error('jobs are disabled in the bench config');
  try {
    await withDeadline(waitUntil(() => jobs.redisState === 'up'), () => 'the jobs never connected to Redis');
  } catch (error) {
    await jobs.stop();
    throw error;
  }
  jobs.start();
  const scheduler = new ReminderScheduler(jobs.queues, () => new Date());
  const queue = jobs.queues.get(reminderQueueName('discord'));
  return {
    async run(planned) {
      await queue.pause();
      await scheduler.schedule('discord', planned, new Date(0));
      const total = recorder.sent + planned.length;
      const started = performance.now();
      await queue.resume();
      await withDeadline(recorder.reach(total), () => `real worker sent ${recorder.sent}/${total}`);
      return performance.now() - started;
    },
    stop: () => jobs.stop(),
  };
}

async function waitUntil(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
}

async function withDeadline<T>(work: Promise<T>, describe: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS / 1000} s: ${describe()}`)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Leaves the shared Redis as it was: every key the bench created lives under its prefix. */
export async function removeKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function report(times: { bare: number[]; real: number[] }): SectionReport {
  const realMs = Math.min(...times.real);
  const bareMs = Math.min(...times.bare);
  const real = JOBS / (realMs / 1000);
  const bare = JOBS / (bareMs / 1000);
  const perRound = times.real.map((ms, i) => round(times.bare[i]! / ms, 2)).join(', ');
  return {
    lines: [
      `Part 3: reminder jobs, ${JOBS.toLocaleString('en-US')} due "rate it" nudges per round after ${WARMUP_JOBS} warm-up, concurrency ${CONCURRENCY}, same Redis, same job options;`,
      `${ROUNDS} rounds, bare and real alternating, each series by its best round`,
      '',
      ...table(
        [{ header: 'series', align: 'left' }, { header: 'jobs/s' }, { header: 'ms per job' }, { header: 'rounds (ms per job)' }],
        [
          ['real worker (store checks, delivery log, messenger)', Math.round(real), round(realMs / JOBS, 3), times.real.map((ms) => round(ms / JOBS, 3)).join(', ')],
          ['bare BullMQ (no-op processor)', Math.round(bare), round(bareMs / JOBS, 3), times.bare.map((ms) => round(ms / JOBS, 3)).join(', ')],
        ],
      ),
      `jobs_vs_bare = ${round(real / bare, 3)} (the real worker reaches this share of bare BullMQ's throughput; round by round ${perRound})`,
    ],
    figures: { jobs_per_s: Math.round(real), bare_jobs_per_s: Math.round(bare), jobs_vs_bare: round(real / bare, 3), jobs_count: JOBS, jobs_rounds: ROUNDS, jobs_concurrency: CONCURRENCY },
  };
}
