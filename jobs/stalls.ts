import type { Job, Queue } from 'bullmq';
import type { Logger } from '../src/ports/logger.ts';

/**
 * BullMQ 5 gives up on a job whose worker died more than `maxStalledCount` times: the next
 * worker to pick it fails it at once with this reason, for good, whatever attempts it has left
 * (its `retry()` keeps the stall count, so the job would fail again). A job failed that way was
 * never refused by the platform, only orphaned, so it is queued again as a fresh job with the
 * same id and data; the delivery log keeps that from sending twice.
 */
export const STALL_FAILURE = 'job stalled more than allowable limit';

/** A job failed by stalls this many times is left failed: it most likely kills its worker. */
export const MAX_STALL_REQUEUES = 3;

export function failedByStalls(job: Pick<Job, 'failedReason'>): boolean {
  return job.failedReason === STALL_FAILURE;
}

function requeuesOf(job: Job): number {
  const data: unknown = job.data;
  const count = data && typeof data === 'object' ? (data as { stallRequeues?: unknown }).stallRequeues : undefined;
  return typeof count === 'number' ? count : 0;
}

/** Queues a job failed by stalls again (see STALL_FAILURE); false when it was left failed. */
export async function requeueStalled(queue: Queue, job: Job, logger: Logger): Promise<boolean> {
  const requeues = requeuesOf(job);
  const where = { queue: queue.name, job: job.id, stalls: job.stalledCounter, requeues };
  if (requeues >= MAX_STALL_REQUEUES || !job.id) {
    logger.error(where, 'job left failed: its workers died while running it too often (it may be what kills them); see their logs, then retry it by hand');
    return false;
  }
  // remove() refuses a job that is locked, i.e. that another process is re-queuing right now.
  if ((await queue.remove(job.id)) !== 1) return false;
  await queue.add(job.name, { ...(job.data as object), stallRequeues: requeues + 1 }, { jobId: job.id, ...(job.opts.timestamp ? { timestamp: job.opts.timestamp } : {}) });
  logger.warn(where, 'job failed by BullMQ after its workers died mid-run (BullMQ does not retry those); queued again as a fresh job, the delivery log keeps it from sending twice');
  return true;
}

/** Re-queues every job of `queue` that BullMQ failed for stalling; returns how many. */
export async function sweepStalledFailures(queue: Queue, logger: Logger): Promise<number> {
  let requeued = 0;
  for (const job of await queue.getFailed(0, 999)) {
    if (job && failedByStalls(job) && (await requeueStalled(queue, job, logger))) requeued++;
  }
  return requeued;
}
