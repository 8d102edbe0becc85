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

/** Set by whoever runs the jobs (BullMQ) as Redis comes and goes; read by the core. */
export class MutableServiceStatus implements ServiceStatus {
  private state: BackgroundState = 'off';
  jobs(): BackgroundState {
    return this.state;
  }
  setJobs(state: BackgroundState): void {
    this.state = state;
  }
}
