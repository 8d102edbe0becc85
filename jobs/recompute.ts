import { z } from 'zod';
import { UnrecoverableError, type Job } from 'bullmq';
import type { CommunityStore, CourseAggregateRepair, CourseStore, HistoryStore, ScoreStore } from '../src/ports/store/index.ts';
import { snapshotToday, type CommunityFigures } from '../src/core/history.ts';
import { dayIn, communityTimeZone } from '../src/domain/history.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { ScoreSnapshot } from '../src/domain/model.ts';
import { communityScore } from '../src/domain/score.ts';
import { dropJob } from './dropped.ts';
import { RECOMPUTE_QUEUE, type Queues } from './queues.ts';

const TICK = 'recompute-all';
const ONE = 'recompute';
const PRUNE = 'prune-history';
export const RECOMPUTE_SCHEDULER_ID = 'recompute-every';
export const PRUNE_SCHEDULER_ID = 'prune-history-daily';
const DAY_MS = 24 * 60 * 60 * 1000;
const oneDataSchema = z.object({ communityId: z.string().min(1) });

/** Per community; shared by the debounce after ratings and the fan-out of the periodic tick. */
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

/**
 * Recounts one community's aggregates from its rating and enrollment rows (repairing drift),
 * then computes G and its factors from scratch and saves a snapshot for /score's trend. An
 * unchanged score saves nothing, so a quiet community does not pile up identical rows.
 */
export async function recomputeCommunity(
  store: ScoreStore & CourseStore & CommunityStore & HistoryStore,
  communityId: string,
  clock: Clock,
  logger: Logger,
  history: DailyHistory = new DailyHistory(5),
): Promise<RecomputeResult> {
  const repairs = await store.recomputeAggregates(communityId);
  if (repairs.length > 0) logger.warn({ community: communityId, repairs }, `repaired the aggregates of ${repairs.length} course(s) that had drifted`);
  const [courses, members, latest] = await Promise.all([
    store.listActiveCourses(communityId),
    store.countMembers(communityId),
    store.listScoreSnapshots(communityId, 1),
  ]);
  const score = communityScore(members, courses);
  const snapshot: ScoreSnapshot = {
    communityId,
    takenAt: clock.now(),
    score: score.score,
    satisfaction: score.satisfaction,
    coverage: score.coverage,
    memberCount: score.memberCount,
    courseCount: score.courseCount,
  };
  const dailySnapshot = await history.record(store, communityId, snapshot.takenAt, { courses, memberCount: members });
  const previous = latest[0];
  if (previous && sameScore(previous, snapshot)) return { repairs, snapshot: null, dailySnapshot };
  await store.saveScoreSnapshot(snapshot);
  return { repairs, snapshot, dailySnapshot };
}

/**
 * The daily history as the recompute job keeps it: the first run of a community's day (in its
 * time zone) writes the day's snapshot; later runs that day skip it without touching the store
 * (remembered per process; the store's unique day key settles races between processes).
 */
export class DailyHistory {
  private readonly done = new Map<string, string>();

  constructor(private readonly priorWeight: number) {}

  /** `read`: the community's active courses and member count as just read, so they are not read twice. */
  async record(store: CourseStore & CommunityStore & HistoryStore, communityId: string, now: Date, read?: CommunityFigures): Promise<string | null> {
    const community = await store.getCommunity(communityId);
    if (!community) return null;
    const day = dayIn(now, communityTimeZone(community));
    if (this.done.get(communityId) === day) return null;
    const { saved } = await snapshotToday(store, community, now, this.priorWeight, read);
    this.done.set(communityId, day);
    // Bounded: a process serving many communities forgets the oldest first.
    if (this.done.size > 50_000) this.done.delete(this.done.keys().next().value!);
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

  async fanOut(communityIds: readonly string[]): Promise<void> {
    const queue = this.queues.get(RECOMPUTE_QUEUE);
    for (let i = 0; i < communityIds.length; i += 500) {
      await queue.addBulk(communityIds.slice(i, i + 500).map((communityId) => ({ name: ONE, data: { communityId }, opts: { ...THROWAWAY, jobId: recomputeJobId(communityId) } })));
    }
  }
}

export interface RecomputeProcessorDeps {
  store: ScoreStore & CourseStore & CommunityStore & HistoryStore;
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
      await deps.scheduler.fanOut(communities.map((c) => c.id));
      return `queued:${communities.length}`;
    }
    if (job.name === PRUNE) {
      const pruned = await pruneHistory(deps.store, deps.clock.now(), deps.retentionDays);
      deps.logger.info({ pruned, retentionDays: deps.retentionDays }, 'old daily snapshots pruned');
      return `pruned:${pruned}`;
    }
    const parsed = oneDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`recompute ${job.id} has malformed data`);
    // Without its community the snapshot would break a foreign key on every retry.
    if (!(await deps.store.getCommunity(parsed.data.communityId))) return dropJob(deps.logger, job, 'community', { community: parsed.data.communityId });
    const result = await recomputeCommunity(deps.store, parsed.data.communityId, deps.clock, deps.logger, deps.history);
    deps.logger.debug({ community: parsed.data.communityId, repairs: result.repairs.length, saved: result.snapshot !== null }, 'score recomputed');
    return result.snapshot ? `saved:${result.repairs.length}` : `unchanged:${result.repairs.length}`;
  };
}
