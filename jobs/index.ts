import type { Core } from '../src/core/facade.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { JobObserver } from '../src/ports/observer.ts';
import { describeUrl } from '../src/infra/logger.ts';
import { defaultJobsOptions, type JobsOptions, type JobsSettings } from './options.ts';
import { JobsService, type QueueDepth } from './runtime.ts';

export interface JobsRuntime {
  stop(): Promise<void>;
  /** Jobs waiting, delayed and running per queue (shared by every process on the Redis); empty while Redis is away. */
  depths(): Promise<QueueDepth[]>;
}

export interface JobsDeps {
  core: Core;
  config: JobsSettings & { REDIS_URL: string; JOBS_ENABLED: boolean; JOBS_STARTUP_WAIT_SECONDS: number; BAYES_PRIOR_WEIGHT: number };
  logger: Logger;
  /** `all`: schedule and process (inside `syllabot start`); `worker`: process only. */
  role: 'all' | 'worker';
  /** Overrides for tests and benchmarks (key prefix, shorter locks and delays). */
  options?: Partial<JobsOptions>;
  /** Counts finished job attempts for /metrics. */
  observer?: JobObserver;
}

/**
 * Starts reminders, score recomputes and digests on BullMQ, or returns null when jobs are
 * turned off (JOBS_ENABLED=false). Waits (JOBS_STARTUP_WAIT_SECONDS at most) for Redis to
 * answer and the first set-up to finish, so the adapters, started after this, never answer a
 * first command with "paused" while Redis is up. If Redis does not answer in time, it returns
 * anyway: the jobs report `paused` and start working when Redis answers.
 *
 * Reminders and digests are processed for the platforms whose messengers are registered in
 * `core.messengers` before this is called; recomputes run everywhere.
 */
export async function startJobs(deps: JobsDeps): Promise<JobsRuntime | null> {
  const jobs = createJobs(deps)?.start();
  if (!jobs) return null;
  const waitMs = deps.config.JOBS_STARTUP_WAIT_SECONDS * 1000;
  const redis = describeUrl(deps.config.REDIS_URL);
  deps.logger.info({ redis, waitSeconds: deps.config.JOBS_STARTUP_WAIT_SECONDS }, 'waiting for Redis before taking commands');
  const began = performance.now();
  if (await jobs.whenReady(waitMs)) {
    deps.logger.info({ redis, waitedMs: Math.round(performance.now() - began) }, 'jobs ready: taking commands');
  } else {
    deps.logger.warn(
      { redis, waitSeconds: deps.config.JOBS_STARTUP_WAIT_SECONDS },
      'Redis did not answer in time: taking commands with reminders and digests paused until it does (check REDIS_URL, or set JOBS_ENABLED=false)',
    );
  }
  return jobs;
}

/** The same, unstarted and with its full interface (tests, benchmarks). */
export function createJobs(deps: JobsDeps): JobsService | null {
  if (!deps.config.JOBS_ENABLED) {
    deps.logger.info({}, 'jobs are off (JOBS_ENABLED=false): no reminders, digests or scheduled recomputes');
    return null;
  }
  return new JobsService({
    core: deps.core,
    redisUrl: deps.config.REDIS_URL,
    priorWeight: deps.config.BAYES_PRIOR_WEIGHT,
    logger: deps.logger,
    role: deps.role,
    options: { ...defaultJobsOptions(deps.config), ...deps.options },
    ...(deps.observer ? { observer: deps.observer } : {}),
  });
}

export { JobsService, type QueueDepth } from './runtime.ts';
export type { JobsOptions } from './options.ts';
