import type { Core } from '../src/app.ts';
import type { Config } from '../src/config.ts';
import type { Logger } from '../src/ports/logger.ts';

export interface JobsRuntime {
  stop(): Promise<void>;
}

export interface JobsDeps {
  core: Core;
  config: Config;
  logger: Logger;
  /** `all`: schedule and process (inside `syllabot start`); `worker`: process only. */
  role: 'all' | 'worker';
}

// Placeholder until the jobs land (issue 6): no queue, so reminders and digests are off.
export async function startJobs(_deps: JobsDeps): Promise<JobsRuntime | null> {
  return null;
}
