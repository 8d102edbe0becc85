import { Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/ports/logger.ts';
import type { JobObserver } from '../src/ports/observer.ts';
import type { JobsOptions } from './options.ts';
import { KEEP_FINISHED, type Queues } from './queues.ts';
import { withTimeout } from './deliver.ts';
import { absorbLateConnectionErrors, releaseStalledTimer } from './bullmq-workarounds.ts';
import { failedByStalls, requeueStalled } from './stalls.ts';
import { fastRepeatStrategy } from './cron-next.ts';

export interface WorkerPoolDeps {
  connection: Redis;
  queues: Queues;
  options: JobsOptions;
  logger: Logger;
  observer: JobObserver;
  quietError: (err: Error, context: Record<string, unknown>) => void;
}

/** The BullMQ workers of one process: started per queue, told apart in the logs, closed together. */
export class WorkerPool {
  private readonly all: Worker[] = [];

  constructor(private readonly deps: WorkerPoolDeps) {}

  get names(): string[] {
    return this.all.map((worker) => worker.name);
  }

  start(queue: string, processor: Processor, concurrency: number): void {
    const { options } = this.deps;
    const worker = new Worker(queue, processor, {
      connection: this.deps.connection,
      prefix: options.prefix,
      concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // BullMQ fails a job whose workers died more often than this, for good; those are queued
      // again (stalls.ts), so this only bounds how fast a job that kills its worker is given up.
      maxStalledCount: options.maxStalledCount,
      ...KEEP_FINISHED,
      // Scheduling a digest's next run: the same times as BullMQ's default, computed cheaply.
      settings: { repeatStrategy: fastRepeatStrategy },
    });
    const observer = this.deps.observer;
    worker.on('error', (err: Error) => this.deps.quietError(err, { queue }));
    worker.on('completed', () => observer.onJob({ queue, outcome: 'completed' }));
    worker.on('failed', (job: Job | undefined, err: Error) => {
      observer.onJob({ queue, outcome: 'failed' });
      this.onFailed(queue, job, err);
    });
    this.all.push(worker);
    this.deps.logger.info({ queue, concurrency, lockDurationMs: options.lockDurationMs }, 'job worker started');
  }

  /** Says what BullMQ does with the failed job, and re-queues one it failed for stalling. */
  private onFailed(queue: string, job: Job | undefined, err: Error): void {
    const where = { queue, job: job?.id, attempts: job?.attemptsMade, of: job?.opts.attempts, err };
    if (job && failedByStalls(job)) {
      requeueStalled(this.deps.queues.get(queue), job, this.deps.logger).catch((error: unknown) =>
        this.deps.logger.warn({ ...where, err: error }, 'could not re-queue a job failed for stalling; the next reconcile or stall sweep will'),
      );
    } else if (job && !job.finishedOn) {
      this.deps.logger.warn({ ...where, retryInMs: job.delay }, 'job attempt failed; BullMQ retries it after the back-off');
    } else {
      this.deps.logger.error(where, 'job failed for good (no attempts left, or an error retrying cannot fix); it stays in the failed list');
    }
  }

  /** Takes no new jobs and waits (up to closeTimeoutMs) for running ones. */
  async close(): Promise<void> {
    // Take no new jobs and let running ones finish if they do in time; otherwise closing the
    // connections afterwards abandons them, their locks lapse and another worker takes them over
    // (BullMQ's stalled-job recovery; the delivery log keeps that from sending twice).
    await Promise.all(
      this.all.map(async (worker) => {
        await withTimeout(worker.close(), this.deps.options.closeTimeoutMs, 'worker did not finish in time').catch(() =>
          this.deps.logger.warn({ queue: worker.name }, 'stopping with jobs still running; another worker will take them over'),
        );
        absorbLateConnectionErrors(worker);
      }),
    );
  }

  /** After the connections closed: BullMQ's stalled-job timers would keep the process alive. */
  async release(): Promise<void> {
    await Promise.all(this.all.map((worker) => releaseStalledTimer(worker)));
  }
}
