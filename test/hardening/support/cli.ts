import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../../bin/syllabot.mjs', import.meta.url));

export interface CliRun {
  stdout: Buffer;
  stderr: Buffer;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the test stopped the process because it was still running (a bot waiting for events). */
  stoppedAtDeadline: boolean;
}

export interface CliOptions {
  input?: string;
  /** Stop the process once it has printed nothing for this long (it started and now waits). */
  idleMs?: number;
  /** Stop it in any case after this long. */
  capMs?: number;
}

/**
 * Runs the real CLI (`node bin/syllabot.mjs …`) with exactly the given environment (plus PATH
 * and HOME), feeds it `input` and collects every byte it prints. A process still running once
 * it has gone quiet gets SIGTERM, then SIGKILL: its output up to then is what gets checked.
 */
export function runCli(args: string[], env: Record<string, string>, options: CliOptions = {}): Promise<CliRun> {
  const idleMs = options.idleMs ?? 4000;
  const capMs = options.capMs ?? 25_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stoppedAtDeadline = false;
    const stop = () => {
      stoppedAtDeadline = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    };
    let idle: NodeJS.Timeout | undefined;
    const cap = setTimeout(stop, capMs);
    const heard = () => {
      clearTimeout(idle);
      idle = setTimeout(stop, idleMs);
    };
    child.stdout.on('data', (chunk: Buffer) => (out.push(chunk), heard()));
    child.stderr.on('data', (chunk: Buffer) => (err.push(chunk), heard()));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(cap);
      clearTimeout(idle);
      resolve({ stdout: Buffer.concat(out), stderr: Buffer.concat(err), code, signal, stoppedAtDeadline });
    });
  });
}

/** Runs tasks with at most `limit` at a time (spawned processes share two cores in CI). */
export async function inPool<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, tasks.length) }, async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    }),
  );
  return results;
}
