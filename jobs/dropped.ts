import type { Job } from 'bullmq';
import type { Logger } from '../src/ports/logger.ts';

export type Gone = 'community' | 'member' | 'course';
export type DroppedOutcome = `dropped: ${Gone} gone`;

/**
 * Ends a job whose community, member or course is no longer in the store (the store was reset
 * while Redis kept its jobs, or two deployments share a JOBS_PREFIX). Retrying cannot bring the
 * row back, so the job completes at once with one warning instead of failing until its
 * attempts run out.
 */
export function dropJob(logger: Logger, job: Job, gone: Gone, context: Record<string, unknown>): DroppedOutcome {
  logger.warn(
    { job: job.id, queue: job.queueName, ...context },
    `job dropped: its ${gone} is no longer in the store (a reset store, or another deployment sharing JOBS_PREFIX?)`,
  );
  return `dropped: ${gone} gone`;
}
