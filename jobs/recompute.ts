import { z } from 'zod';
import { UnrecoverableError, type Job } from 'bullmq';
import type { CommunityStore, CourseAggregateRepair, CourseStore, ScoreStore } from '../src/ports/store/index.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { ScoreSnapshot } from '../src/domain/model.ts';
import { communityScore } from '../src/domain/score.ts';
import { dropJob } from './dropped.ts';
import { RECOMPUTE_QUEUE, type Queues } from './queues.ts';

const TICK = 'recompute-all';
const ONE = 'recompute';
export const RECOMPUTE_SCHEDULER_ID = 'recompute-every';
const oneDataSchema = z.object({ communityId: z.string().min(1) });

/** Per community; shared by the debounce after ratings and the fan-out of the periodic tick. */
const recomputeJobId = (communityId: string): string => `recompute-${communityId}`;
/** Recompute jobs are throwaway: removing them at once lets the next rating queue a new one. */
const THROWAWAY = { removeOnComplete: true, removeOnFail: true, attempts: 3, backoff: { type: 'exponential', delay: 5_000 } } as const;

export interface RecomputeResult {
  repairs: CourseAggregateRepair[];
  /** The snapshot saved, or null when the score had not changed since the last one. */
  snapshot: ScoreSnapshot | null;
}

/**
 * Recounts one community's aggregates from its rating and enrollment rows (repairing drift),
 * then computes G and its factors from scratch and saves a snapshot for /score's trend. An
 * unchanged score saves nothing, so a quiet community does not pile up identical rows.
 */
export async function recomputeCommunity(store: ScoreStore & CourseStore & CommunityStore, communityId: string, clock: Clock, logger: Logger): Promise<RecomputeResult> {
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
  const previous = latest[0];
  if (previous && sameScore(previous, snapshot)) return { repairs, snapshot: null };
  await store.saveScoreSnapshot(snapshot);
  return { repairs, snapshot };
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
    await (await this.queues.ready(RECOMPUTE_QUEUE)).upsertJobScheduler(RECOMPUTE_SCHEDULER_ID, { every: this.everyMs }, { name: TICK, opts: THROWAWAY });
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
  store: ScoreStore & CourseStore & CommunityStore;
  clock: Clock;
  logger: Logger;
  scheduler: RecomputeScheduler;
}

export function recomputeProcessor(deps: RecomputeProcessorDeps) {
  return async (job: Job): Promise<string> => {
    if (job.name === TICK) {
      const communities = await deps.store.listCommunities();
      await deps.scheduler.fanOut(communities.map((c) => c.id));
      return `queued:${communities.length}`;
    }
    const parsed = oneDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`recompute ${job.id} has malformed data`);
    // Without its community the snapshot would break a foreign key on every retry.
    if (!(await deps.store.getCommunity(parsed.data.communityId))) return dropJob(deps.logger, job, 'community', { community: parsed.data.communityId });
    const result = await recomputeCommunity(deps.store, parsed.data.communityId, deps.clock, deps.logger);
    deps.logger.debug({ community: parsed.data.communityId, repairs: result.repairs.length, saved: result.snapshot !== null }, 'score recomputed');
    return result.snapshot ? `saved:${result.repairs.length}` : `unchanged:${result.repairs.length}`;
  };
}
