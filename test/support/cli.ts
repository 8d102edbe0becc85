import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/syllabot.mjs', import.meta.url));

/** `env` plus only what a shell needs (PATH, HOME, TMPDIR): no credentials leak in from the test run. */
export function operatorEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS']) if (process.env[key]) base[key] = process.env[key]!;
  return { ...base, ...env };
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Every byte printed, for scans that must not trust a decoding. */
  bytes: { stdout: Buffer; stderr: Buffer };
  /** Whether the test stopped the process because it was still running (a bot waiting for events). */
  stoppedAtDeadline: boolean;
}

export interface CliOptions {
  /** What is typed, then end of input. */
  input?: string;
  /** Stop the process once it has printed nothing for this long (it started and now waits). */
  idleMs?: number;
  /** Stop it in any case after this long. */
  capMs?: number;
}

/**
 * Runs the real CLI (`node bin/syllabot.mjs …`) with exactly `env` (plus PATH and HOME),
 * feeds it `input` and collects every byte it prints. A process still running once it has gone
 * quiet for `idleMs` (or after `capMs`) gets SIGTERM, then SIGKILL: its output up to then is
 * what gets checked. Without them, it runs until it exits.
 */
export function runCliExact(args: string[], env: Record<string, string>, options: CliOptions = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
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
    const cap = options.capMs === undefined ? undefined : setTimeout(stop, options.capMs);
    const heard = () => {
      if (options.idleMs === undefined) return;
      clearTimeout(idle);
      idle = setTimeout(stop, options.idleMs);
    };
    child.stdout.on('data', (chunk: Buffer) => (out.push(chunk), heard()));
    child.stderr.on('data', (chunk: Buffer) => (err.push(chunk), heard()));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(cap);
      clearTimeout(idle);
      const bytes = { stdout: Buffer.concat(out), stderr: Buffer.concat(err) };
      resolve({ code, signal, stdout: bytes.stdout.toString('utf8'), stderr: bytes.stderr.toString('utf8'), bytes, stoppedAtDeadline });
    });
  });
}

/** The CLI as an operator runs it: typed `input`, warnings only, no jobs unless `env` asks. */
export function runCli(args: string[], input: string, env: Record<string, string> = {}): Promise<CliRun> {
  return runCliExact(args, operatorEnv({ LOG_LEVEL: 'warn', JOBS_ENABLED: 'false', ...env }), { input });
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
