import type { BackgroundState, ServiceStatusBoard } from '../ports/services.ts';

/** Set by whoever runs the jobs (BullMQ) as Redis comes and goes; read by the core. */
export class MutableServiceStatus implements ServiceStatusBoard {
  private state: BackgroundState = 'off';
  jobs(): BackgroundState {
    return this.state;
  }
  setJobs(state: BackgroundState): void {
    this.state = state;
  }
}
