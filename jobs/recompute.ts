import { z } from 'zod';
import { UnrecoverableError, type Job } from 'bullmq';
import type { CommunityStore, CourseAggregateRepair, CourseStore, HistoryStore, RecomputeStore, RecomputeWrite, ScoreStore } from '../src/ports/store/index.ts';
import { snapshotToday, type CommunityFigures } from '../src/core/history.ts';
import { buildDailySnapshot, dayIn, communityTimeZone } from '../src/domain/history.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { Community, ScoreSnapshot } from '../src/domain/model.ts';
import { StorageUnavailableError } from '../src/domain/errors.ts';
import { communityScore } from '../src/domain/score.ts';
import { dropJob } from './dropped.ts';
import { RECOMPUTE_QUEUE, type Queues } from './queues.ts';

const TICK = 'recompute-all';
/**
 * One community `{ communityId }`: the debounce after ratings, a community of a page retried
 * alone, and what the tick fanned out before pages existed (such jobs may still wait in Redis).
 */
const ONE = 'recompute';
/** A page of communities `{ communityIds }`: the periodic tick's fan-out. */
const PAGE = 'recompute-page';
const PRUNE = 'prune-history';
/** Communities per page job: BullMQ's round trips are paid once a page, not once a community. */
export const RECOMPUTE_PAGE_SIZE = 200;
export const RECOMPUTE_SCHEDULER_ID = 'recompute-every';
export const PRUNE_SCHEDULER_ID = 'prune-history-daily';
const DAY_MS = 24 * 60 * 60 * 1000;
const oneDataSchema = z.object({ communityId: z.string().min(1) });
const pageDataSchema = z.object({ communityIds: z.array(z.string().min(1)).min(1).max(10_000) });
/** How long a page's store work may hold the event loop before letting commands in this process run. */
const SLICE_MS = 4;

/** Per community: the debounce after ratings, a page's failed community queued alone, and earlier versions' fan-out. */
const recomputeJobId = (communityId: string): string => `recompute-${communityId}`;
/** Recompute jobs are throwaway: removing them at once lets the next rating queue a new one. */
const THROWAWAY = { removeOnComplete: true, removeOnFail: true, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } } as const;

export interface RecomputeResult {
  repairs: CourseAggregateRepair[];
  /** The snapshot saved, or null when the score had not changed since the last one. */
  snapshot: ScoreSnapshot | null;
  /** The day of the daily snapshot this run wrote (the first run of the community's day), if any. */
  dailySnapshot: string | null;
}

export type RecomputeStoreView = RecomputeStore & ScoreStore & CourseStore & CommunityStore & HistoryStore;

/** What became of one community of a page. */
export type CommunityOutcome =
  | { communityId: string; status: 'recomputed'; result: RecomputeResult }
  /** The community is no longer in the store. */
  | { communityId: string; status: 'gone' }
  | { communityId: string; status: 'failed'; error: Error };

/**
 * Recomputes a page of communities. Each is recounted from its rating and enrollment rows
 * (repairing drift), then G and its factors are computed from scratch: a changed score is saved
 * as a snapshot for /score's trend (an unchanged one saves nothing, so a quiet community does
 * not pile up identical rows) and the community's first run of its day writes the daily
 * snapshot. Every community's writes go to the store together (one transaction on SQLite).
 *
 * One community failing (a read or its write) is reported in its outcome and the others go on;
 * a store that is unavailable rejects the whole page, which is then safe to run again: recounts
 * repair by compare-and-set, the day key refuses a second daily snapshot and an unchanged score
 * saves nothing.
 */
export async function recomputeCommunities(
  store: RecomputeStore,
  communityIds: readonly string[],
  clock: Clock,
  logger: Logger,
  history: DailyHistory,
): Promise<CommunityOutcome[]> {
  const outcomes = new Array<CommunityOutcome>(communityIds.length);
  const pending: { index: number; communityId: string; repairs: CourseAggregateRepair[]; day: string | null; write: RecomputeWrite }[] = [];
  let slice = performance.now();
  for (const [index, communityId] of communityIds.entries()) {
    // better-sqlite3 answers synchronously: without this a page would hold the process's commands back.
    if (performance.now() - slice > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      slice = performance.now();
    }
    try {
      const recount = await store.recountCommunity(communityId);
      if (!recount) {
        outcomes[index] = { communityId, status: 'gone' };
        continue;
      }
      const { repairs, courses, memberCount, latest, community } = recount;
      if (repairs.length > 0) logger.warn({ community: communityId, repairs }, `repaired the aggregates of ${repairs.length} course(s) that had drifted`);
      const takenAt = clock.now();
      const score = communityScore(memberCount, courses);
      const snapshot: ScoreSnapshot = {
        communityId,
        takenAt,
        score: score.score,
        satisfaction: score.satisfaction,
        coverage: score.coverage,
        memberCount: score.memberCount,
        courseCount: score.courseCount,
      };
      const day = history.dayDue(community, takenAt);
      const daily = day === null ? null : buildDailySnapshot({ communityId, day, takenAt, memberCount, courses, priorWeight: history.priorWeight });
      pending.push({ index, communityId, repairs, day, write: { score: latest && sameScore(latest, snapshot) ? null : snapshot, daily } });
    } catch (error) {
      if (error instanceof StorageUnavailableError) throw error;
      outcomes[index] = { communityId, status: 'failed', error: asError(error) };
    }
  }
  if (pending.length === 0) return outcomes;
  const written = await store.saveRecomputes(pending.map((p) => p.write));
  for (const [i, p] of pending.entries()) {
    const outcome = written[i];
    if (!outcome || !outcome.ok) {
      if (outcome?.error instanceof StorageUnavailableError) throw outcome.error;
      outcomes[p.index] = { communityId: p.communityId, status: 'failed', error: outcome?.error ?? new Error('the store returned no outcome for this write') };
      continue;
    }
    // The day is done whether this process wrote its snapshot or another one had.
    if (p.day !== null) history.remember(p.communityId, p.day);
    const result = { repairs: p.repairs, snapshot: p.write.score, dailySnapshot: outcome.dailySaved ? p.day : null };
    outcomes[p.index] = { communityId: p.communityId, status: 'recomputed', result };
  }
  return outcomes;
}

/** One community (see recomputeCommunities); rejects when it failed or is not in the store. */
export async function recomputeCommunity(store: RecomputeStore, communityId: string, clock: Clock, logger: Logger, history: DailyHistory = new DailyHistory(5)): Promise<RecomputeResult> {
  const [outcome] = await recomputeCommunities(store, [communityId], clock, logger, history);
  if (outcome?.status === 'recomputed') return outcome.result;
  throw outcome?.status === 'failed' ? outcome.error : new Error(`community ${communityId} is not in the store`);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The daily history as the recompute job keeps it: the first run of a community's day (in its
 * time zone) writes the day's snapshot; later runs that day skip it without touching the store
 * (remembered per process; the store's unique day key settles races between processes).
 */
export class DailyHistory {
  private readonly done = new Map<string, string>();

  constructor(readonly priorWeight: number) {}

  /** The community's day (in its time zone) if this process has not recorded it yet, else null. */
  dayDue(community: Community, now: Date): string | null {
    const day = dayIn(now, communityTimeZone(community));
    return this.done.get(community.id) === day ? null : day;
  }

  /** The day's snapshot is in the store (written here or by another process). */
  remember(communityId: string, day: string): void {
    this.done.set(communityId, day);
    // Bounded: a process serving many communities forgets the oldest first.
    if (this.done.size > 50_000) this.done.delete(this.done.keys().next().value!);
  }

  /**
   * One community's daily snapshot on its own (the page path writes it with the rest).
   * `read`: the community's active courses and member count as just read, so they are not read twice.
   */
  async record(store: CourseStore & CommunityStore & HistoryStore, communityId: string, now: Date, read?: CommunityFigures): Promise<string | null> {
    const community = await store.getCommunity(communityId);
    if (!community) return null;
    const day = this.dayDue(community, now);
    if (day === null) return null;
    const { saved } = await snapshotToday(store, community, now, this.priorWeight, read);
    this.remember(communityId, day);
    return saved ? day : null;
  }
}

/** Deletes daily snapshots older than the retention (HISTORY_RETENTION_DAYS) in every community. */
export async function pruneHistory(store: HistoryStore, now: Date, retentionDays: number): Promise<number> {
  return store.pruneDailySnapshots(new Date(now.getTime() - retentionDays * DAY_MS));
}

function sameScore(a: ScoreSnapshot, b: ScoreSnapshot): boolean {
  const close = (x: number, y: number) => Math.abs(x - y) < 1e-12;
  return close(a.score, b.score) && close(a.satisfaction, b.satisfaction) && close(a.coverage, b.coverage) && a.memberCount === b.memberCount && a.courseCount === b.courseCount;
}

/** Schedules recomputes: periodically for every community, and shortly after ratings. */
export class RecomputeScheduler {
  constructor(
    private readonly queues: Queues,
    private readonly everyMs: number,
    private readonly debounceMs: number,
  ) {}

  /** The periodic tick; upserting it from every process still makes one tick per period. */
  async ensureSchedule(): Promise<void> {
    const queue = await this.queues.ready(RECOMPUTE_QUEUE);
    await queue.upsertJobScheduler(RECOMPUTE_SCHEDULER_ID, { every: this.everyMs }, { name: TICK, opts: THROWAWAY });
    // Retention pruning once a day, on the same queue (one scheduler however many processes).
    await queue.upsertJobScheduler(PRUNE_SCHEDULER_ID, { every: DAY_MS }, { name: PRUNE, opts: THROWAWAY });
  }

  /** After a rating: a delayed job with a fixed id, so a burst of ratings shares one recompute. */
  async debounce(communityId: string): Promise<void> {
    await this.queues.get(RECOMPUTE_QUEUE).add(ONE, { communityId }, { ...THROWAWAY, jobId: recomputeJobId(communityId), delay: this.debounceMs });
  }

  /** The tick's fan-out: a page job for every RECOMPUTE_PAGE_SIZE communities. */
  async fanOut(communityIds: readonly string[]): Promise<number> {
    const pages: { name: string; data: { communityIds: string[] }; opts: typeof THROWAWAY & { jobId: string } }[] = [];
    for (let i = 0; i < communityIds.length; i += RECOMPUTE_PAGE_SIZE) {
      const page = communityIds.slice(i, i + RECOMPUTE_PAGE_SIZE);
      // A page still waiting from an earlier tick is not queued twice.
      pages.push({ name: PAGE, data: { communityIds: page }, opts: { ...THROWAWAY, jobId: `recompute-page-${page[0]}-${page.at(-1)}` } });
    }
    const queue = this.queues.get(RECOMPUTE_QUEUE);
    for (let i = 0; i < pages.length; i += 500) await queue.addBulk(pages.slice(i, i + 500));
    return pages.length;
  }

  /** Communities that failed in a page, each queued on its own with the usual retries (and failing alone if they must). */
  async retryAlone(communityIds: readonly string[]): Promise<void> {
    await this.queues.get(RECOMPUTE_QUEUE).addBulk(communityIds.map((communityId) => ({ name: ONE, data: { communityId }, opts: { ...THROWAWAY, jobId: recomputeJobId(communityId) } })));
  }
}

export interface RecomputeProcessorDeps {
  store: RecomputeStoreView;
  clock: Clock;
  logger: Logger;
  scheduler: RecomputeScheduler;
  history: DailyHistory;
  /** Daily snapshots older than this many days are pruned. */
  retentionDays: number;
}

export function recomputeProcessor(deps: RecomputeProcessorDeps) {
  return async (job: Job): Promise<string> => {
    if (job.name === TICK) {
      const communities = await deps.store.listCommunities();
      const pages = await deps.scheduler.fanOut(communities.map((c) => c.id));
      return `queued:${communities.length} in ${pages} page(s)`;
    }
    if (job.name === PRUNE) {
      const pruned = await pruneHistory(deps.store, deps.clock.now(), deps.retentionDays);
      deps.logger.info({ pruned, retentionDays: deps.retentionDays }, 'old daily snapshots pruned');
      return `pruned:${pruned}`;
    }
    if (job.name === PAGE) {
      const parsed = pageDataSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`recompute page ${job.id} has malformed data`);
      return settlePage(deps, job, await recomputeCommunities(deps.store, parsed.data.communityIds, deps.clock, deps.logger, deps.history));
    }
    // ONE, and any other name an older version queued with `{ communityId }`.
    const parsed = oneDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`recompute ${job.id} has malformed data`);
    const community = parsed.data.communityId;
    const [outcome] = await recomputeCommunities(deps.store, [community], deps.clock, deps.logger, deps.history);
    // Without its community the snapshot would break a foreign key on every retry.
    if (!outcome || outcome.status === 'gone') return dropJob(deps.logger, job, 'community', { community });
    // BullMQ retries it after the back-off, and reports it failed once the attempts run out.
    if (outcome.status === 'failed') throw outcome.error;
    deps.logger.debug({ community, repairs: outcome.result.repairs.length, saved: outcome.result.snapshot !== null }, 'score recomputed');
    return outcome.result.snapshot ? `saved:${outcome.result.repairs.length}` : `unchanged:${outcome.result.repairs.length}`;
  };
}

/**
 * A page's outcome: communities that failed are logged and queued again one by one (so a
 * failure that lasts ends as a failed job of its own, counted in the jobs' metrics), the others
 * are done; the page completes.
 */
async function settlePage(deps: RecomputeProcessorDeps, job: Job, outcomes: readonly CommunityOutcome[]): Promise<string> {
  const failed = outcomes.filter((o) => o.status === 'failed');
  const gone = outcomes.filter((o) => o.status === 'gone').map((o) => o.communityId);
  const recomputed = outcomes.filter((o) => o.status === 'recomputed');
  for (const f of failed) deps.logger.error({ community: f.communityId, job: job.id, err: f.error }, 'score recompute failed for one community; it is queued again on its own');
  if (failed.length > 0) await deps.scheduler.retryAlone(failed.map((f) => f.communityId));
  // Deleted since the tick listed them (a purge after the grace period): nothing to recompute.
  if (gone.length > 0) deps.logger.info({ communities: gone, job: job.id }, 'communities of a recompute page are no longer in the store; skipped');
  const saved = recomputed.filter((o) => o.result.snapshot !== null).length;
  deps.logger.debug({ job: job.id, recomputed: recomputed.length, saved, failed: failed.length, gone: gone.length }, 'score recompute page done');
  return `recomputed:${recomputed.length} saved:${saved} failed:${failed.length} gone:${gone.length}`;
}
