import { spawn, type ChildProcess } from 'node:child_process';
import { BIN } from '../../support/cli.ts';

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
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS']) if (process.env[key]) base[key] = process.env[key]!;
  const child = spawn(process.execPath, [BIN, 'start'], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (d: string) => {
    output += d;
    for (const w of [...waiters]) {
      const line = output.split('\n').find((l) => w.pattern.test(l));
      if (line) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    line: (pattern) =>
      new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        onData('');
        void exit.then((code) => reject(new Error(`syllabot exited (${code}) before printing ${pattern}:\n${output}`)));
      }),
    exit,
  };
}
