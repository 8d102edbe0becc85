import type { Platform } from '../domain/model.ts';

/** How a command ended, as the router reports it (CommandResult.outcome). */
export type CommandOutcome = 'ok' | 'form' | 'user-error' | 'rate-limited' | 'unavailable' | 'error';

export interface CommandObservation {
  /** The command's id (`courses`, `course.add`), or `unknown` when the input named none. */
  command: string;
  platform: Platform;
  outcome: CommandOutcome;
  /** Wall time from receiving the request to having the reply, in seconds. */
  seconds: number;
}

/**
 * Told once per request the router handles, so metrics can count commands without the core
 * knowing how they are exported. Must not throw and must not block.
 */
export interface CommandObserver {
  onCommand(observation: CommandObservation): void;
}

export type JobOutcome = 'completed' | 'failed';

/** Told once per job attempt that ends (a failed attempt may be retried). */
export interface JobObserver {
  onJob(observation: { queue: string; outcome: JobOutcome }): void;
}

export const ignoreCommands: CommandObserver = { onCommand: () => {} };
export const ignoreJobs: JobObserver = { onJob: () => {} };
