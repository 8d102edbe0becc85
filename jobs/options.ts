
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How a reminder before a course's start is named, and how long before the start it fires. */
export interface StartLead {
  kind: 'start-24h' | 'start-1h';
  beforeMs: number;
}

/**
 * Every tunable of the jobs, with production defaults derived from the config. Tests shrink the
 * durations (lock, stall check, debounce) and give each test its own BullMQ key prefix.
 */
export interface JobsOptions {
  /** BullMQ key prefix: every queue, job and delivery record lives under `<prefix>:`. */
  prefix: string;
  startLeads: readonly StartLead[];
  /** The "rate it" nudge fires this long after enrolling (or after the start, if later). */
  nudgeAfterMs: number;
  recomputeEveryMs: number;
  /** Ratings within this window share one recompute. */
  recomputeDebounceMs: number;
  /** First back-off after the platform refused a course role (doubling, 12 attempts: about a day). */
  cohortRetryDelayMs: number;
  /** Daily snapshots older than this are pruned once a day. */
  historyRetentionDays: number;
  /** BullMQ job lock; a worker that dies mid-job loses its jobs to others after this. */
  lockDurationMs: number;
  /** How often workers look for jobs whose lock expired (stalled jobs). */
  stalledIntervalMs: number;
  /** BullMQ fails a job whose workers died more often than this; such a job is queued again (stalls.ts). */
  maxStalledCount: number;
  /**
   * A delivery's claim lapses this long after its sender stops renewing it (it renews every third
   * of it); keep it at most `lockDurationMs`, so a job taken over from a dead worker finds the
   * claim free.
   */
  deliveryLeaseMs: number;
  /** A platform call slower than this counts as failed (and is retried). */
  sendTimeoutMs: number;
  /** How long "sent" records are kept to refuse repeats. */
  deliveryRetentionMs: number;
  /** After Redis lost its data, what was due this far back and is not sent is queued again. */
  catchUpWindowMs: number;
  /** How often a process with workers looks for jobs BullMQ failed for stalling, to re-queue them. */
  stallSweepEveryMs: number;
  /** The longest a command waits for the queue before it answers anyway. */
  schedulingTimeoutMs: number;
  /** The longest shutdown waits for running jobs before releasing them to other workers. */
  closeTimeoutMs: number;
  /** Upper bound of the reconnect back-off while Redis is unreachable. */
  reconnectMaxDelayMs: number;
  /** Retry a scheduling that failed while Redis was up after this long. */
  repairDelayMs: number;
  /** A community the bot was removed from is purged this long after. */
  gracePeriodMs: number;
  /** How often the purge job looks for communities past their grace period. */
  purgeEveryMs: number;
  /** Scheduled SQLite backups, or null when BACKUP_DIR is unset. */
  backup: { dir: string; keep: number; everyMs: number } | null;
}

/** The job settings (the validated configuration's names); the optional ones have defaults here. */
export interface JobsSettings {
  RATE_NUDGE_DAYS: number;
  RECOMPUTE_EVERY_MINUTES: number;
  JOBS_PREFIX?: string | undefined;
  CATCH_UP_HOURS?: number | undefined;
  HISTORY_RETENTION_DAYS?: number | undefined;
  GRACE_PERIOD_DAYS?: number | undefined;
  BACKUP_DIR?: string | undefined;
  BACKUP_KEEP?: number | undefined;
  BACKUP_EVERY_HOURS?: number | undefined;
}

export function defaultJobsOptions(config: JobsSettings): JobsOptions {
  return {
    prefix: config.JOBS_PREFIX ?? 'syllabot',
    startLeads: [
      { kind: 'start-24h', beforeMs: DAY },
      { kind: 'start-1h', beforeMs: HOUR },
    ],
    nudgeAfterMs: config.RATE_NUDGE_DAYS * DAY,
    recomputeEveryMs: config.RECOMPUTE_EVERY_MINUTES * MINUTE,
    recomputeDebounceMs: 30 * SECOND,
    cohortRetryDelayMs: 30 * SECOND,
    historyRetentionDays: config.HISTORY_RETENTION_DAYS ?? 400,
    // A killed worker's jobs are taken over within lock + 2 stall checks (~8 s; BullMQ renews
    // the lock every half lock). Shorter locks cost renewals, ~1 tiny script per running job per
    // 2.5 s, and risk false stalls if a process blocks its event loop for 5 s.
    lockDurationMs: 5 * SECOND,
    stalledIntervalMs: 1.5 * SECOND,
    maxStalledCount: 3,
    deliveryLeaseMs: 5 * SECOND,
    sendTimeoutMs: 20 * SECOND,
    deliveryRetentionMs: 45 * DAY,
    catchUpWindowMs: (config.CATCH_UP_HOURS ?? 6) * HOUR,
    stallSweepEveryMs: MINUTE,
    schedulingTimeoutMs: 3 * SECOND,
    closeTimeoutMs: 10 * SECOND,
    reconnectMaxDelayMs: 5 * SECOND,
    repairDelayMs: 30 * SECOND,
    gracePeriodMs: (config.GRACE_PERIOD_DAYS ?? 30) * DAY,
    purgeEveryMs: HOUR,
    backup: config.BACKUP_DIR ? { dir: config.BACKUP_DIR, keep: config.BACKUP_KEEP ?? 7, everyMs: (config.BACKUP_EVERY_HOURS ?? 24) * HOUR } : null,
  };
}
