/**
 * What the core may tell members about background services (for example in /help) without
 * knowing how they run.
 */
export type BackgroundState = 'running' | 'paused' | 'off';

export interface ServiceStatus {
  /** Reminders and digests: `paused` when Redis is unreachable, `off` when not configured. */
  jobs(): BackgroundState;
}

export const jobsOff: ServiceStatus = { jobs: () => 'off' };

/** The status board jobs write as Redis comes and goes; the core only reads it. */
export interface ServiceStatusBoard extends ServiceStatus {
  setJobs(state: BackgroundState): void;
}
