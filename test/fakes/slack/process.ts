import type { ChildProcess } from 'node:child_process';
import { spawnSyllabot } from '../../support/processes.ts';

export { freePort } from '../../support/ports.ts';

export interface SyllabotProcess {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr. */
  output: () => string;
  /** Resolves with the first printed line matching `pattern`; rejects if the process exits first. */
  line: (pattern: RegExp) => Promise<string>;
  exit: Promise<number | null>;
}

/** `syllabot start` as an operator runs it, with only `env` (and PATH, HOME…) set. */
export function startProcess(env: Record<string, string>): SyllabotProcess {
  const spawned = spawnSyllabot('syllabot start', ['start'], env);
  return { child: spawned.child, output: spawned.output, line: spawned.line, exit: spawned.exited };
}
