import { fastRepeatStrategy } from './cron-next.ts';
import { Queue, type DefaultJobOptions, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Platform } from '../src/domain/model.ts';
import { absorbLateConnectionErrors } from './bullmq-workarounds.ts';

/**
 * Deliveries are queued per platform, so a process only takes jobs it can deliver: a worker
 * with a Discord messenger drains `reminders-discord`, and one without never picks them up.
 * Score recomputes need no platform and go to one shared queue.
 */
export const RECOMPUTE_QUEUE = 'recompute';
export const reminderQueueName = (platform: Platform): string => `reminders-${platform}`;
export const digestQueueName = (platform: Platform): string => `digests-${platform}`;

const DAY_SECONDS = 24 * 60 * 60;

/**
 * What every job stores: retries with back-off. Only what the worker cannot supply is stored
 * with each job, so a digest scheduler's template stays short enough for Redis's compact hash
 * encoding (values up to `hash-max-listpack-value`, 64 B) and its next job's options shrink too.
 */
export const DEFAULT_JOB_OPTIONS = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 5_000 },
} as const satisfies DefaultJobOptions;

/**
 * How long finished jobs are kept, applied by the workers (BullMQ uses a worker's setting for
 * any job that has none of its own): a re-add of the same id within that time is a no-op.
 * Jobs that carry their own (queued by earlier versions, or recompute and cohort jobs) keep it.
 */
export const KEEP_FINISHED = {
  removeOnComplete: { age: 7 * DAY_SECONDS, count: 50_000 },
  removeOnFail: { age: 30 * DAY_SECONDS },
} as const satisfies Pick<WorkerOptions, 'removeOnComplete' | 'removeOnFail'>;

/**
 * BullMQ's per-queue event stream (what a QueueEvents listener or a dashboard reads). Nothing in
 * the bot listens to it, so it keeps the last ~1,000 events instead of BullMQ's 10,000: at
 * 10,000 digest schedulers the default stream alone was ~80 B of Redis per community.
 */
export const EVENTS_KEPT = 1_000;

/** The producer side: one Queue per name, created on first use, all on one shared connection. */
export class Queues {
  private readonly byName = new Map<string, Queue>();
  private closed = false;

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    private readonly onError: (error: Error, queue: string) => void,
  ) {}

  get(name: string): Queue {
    if (this.closed) throw new Error('the job queues are closed (shutting down)');
    let queue = this.byName.get(name);
    if (!queue) {
      // The fast repeat strategy gives BullMQ's own next-run times, without ~1.3 ms of cron-parser each.
      queue = new Queue(name, { connection: this.connection, prefix: this.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS, settings: { repeatStrategy: fastRepeatStrategy }, streams: { events: { maxLen: EVENTS_KEPT } } });
      queue.on('error', (error: Error) => this.onError(error, name));
      this.byName.set(name, queue);
    }
    return queue;
  }

  /**
   * The queue once its connection is initialised. Use it before job-scheduler calls: BullMQ's
   * scheduler getter awaits the connection inside `new Promise(async …)`, so a connection that
   * closes during its first use there becomes an unhandled rejection (which would crash the
   * process) instead of an error for the caller.
   */
  async ready(name: string): Promise<Queue> {
    const queue = this.get(name);
    await queue.waitUntilReady();
    return queue;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(
      [...this.byName.values()].map(async (queue) => {
        await queue.close();
        absorbLateConnectionErrors(queue);
      }),
    );
    this.byName.clear();
  }
}
