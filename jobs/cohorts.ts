import { z } from 'zod';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Platform } from '../src/domain/model.ts';
import type { CommandStore } from '../src/ports/store/index.ts';
import type { CohortAccess } from '../src/ports/cohort-access.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { Logger } from '../src/ports/logger.ts';
import { syncCourseGrants, type CohortSyncProgress } from '../src/core/cohort-sync.ts';
import type { Queues } from './queues.ts';

/**
 * Course roles and channels for enrollees (issue 17): one job per course brings its enrollees'
 * grants (or Slack channel invites) in line with its role (or channel), per platform so only a process that reaches that platform takes it. The store
 * records each grant as it is confirmed, so the job is resumable: after a restart the reconcile
 * queues it again and it starts where the store says. A refusal fails the attempt, and BullMQ's
 * back-off is the retry that tries again once the permission is back. A channel invite refused for
 * a reason retrying cannot fix (the channel gone, the bot not in it, a scope missing) ends the job
 * at once; a moderator's `/course edit` or the next start's reconcile queues it again.
 */
export const cohortQueueName = (platform: Platform): string => `cohorts-${platform}`;

const JOB = 'cohort-sync';
const dataSchema = z.object({ communityId: z.string().min(1), courseId: z.string().min(1) });
const cohortJobId = (communityId: string, courseId: string): string => `cohort-${communityId}-${courseId}`;
/** Role changes that arrive while a pass runs are picked up by another pass, a few at most. */
const MAX_PASSES = 3;

export class CohortScheduler {
  constructor(
    private readonly queues: Queues,
    private readonly retryDelayMs: number,
  ) {}

  /**
   * Queues a pass for the course (a no-op while one waits). `now` promotes one waiting out a
   * back-off: a moderator's change should not wait for the previous refusal's retry.
   */
  async request(platform: Platform, communityId: string, courseId: string, now = false): Promise<void> {
    const queue = this.queues.get(cohortQueueName(platform));
    const id = cohortJobId(communityId, courseId);
    const existing = await queue.getJob(id);
    if (existing && now && (await existing.isDelayed())) {
      await existing.promote();
      return;
    }
    await queue.add(JOB, { communityId, courseId }, {
      jobId: id,
      // Gone once done, so the next change queues a fresh pass under the same id.
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 12,
      backoff: { type: 'exponential', delay: this.retryDelayMs },
    });
  }
}

export interface CohortProcessorDeps {
  store: CommandStore;
  access: CohortAccess;
  clock: Clock;
  logger: Logger;
  /** True while the process stops: the pass ends early and the next start resumes it. */
  stopping: () => boolean;
}

export function cohortProcessor(deps: CohortProcessorDeps) {
  return async (job: Job): Promise<string> => {
    const parsed = dataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`cohort job ${job.id} has malformed data`);
    const { communityId, courseId } = parsed.data;
    const community = await deps.store.getCommunity(communityId);
    if (!community || !(await deps.store.getCourse(communityId, courseId))) return 'gone';
    const log = deps.logger.child({ community: communityId, course: courseId, job: job.id });
    const onProgress = async (progress: CohortSyncProgress) => {
      await job.updateProgress({ ...progress });
      log.info({ ...progress }, `course roles: ${progress.seen} of ${progress.total} enrollees looked at`);
    };
    for (let pass = 1; ; pass++) {
      const result = await syncCourseGrants({ ...deps }, community, courseId, { shouldStop: deps.stopping, onProgress });
      if (result.outcome === 'stopped') return 'stopped';
      if (result.outcome === 'refused' && result.permanent) {
        // Retrying cannot fix it (a moderator must); /course show counts it and names the fix.
        log.error({ refusal: result.refusal, attempt: job.attemptsMade + 1 }, 'the platform refused a course channel invite for good; not retrying until a moderator fixes it');
        throw new UnrecoverableError(`refused for good: ${result.refusal?.code ?? 'unknown'}`);
      }
      if (result.outcome === 'refused') {
        log.warn({ refusal: result.refusal, attempt: job.attemptsMade + 1 }, 'the platform refused a course role change; retrying with back-off');
        throw new Error(`refused: ${result.refusal?.code ?? 'unknown'}`);
      }
      log.info({ granted: result.granted, revoked: result.revoked, left: result.left, total: result.total }, 'course roles in step with the course');
      const again = (await deps.store.cohorts.coursesNeedingSync(communityId)).includes(courseId);
      if (!again || pass >= MAX_PASSES) return `done:${result.granted}:${result.revoked}:${result.left}`;
    }
  };
}
