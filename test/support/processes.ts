import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, operatorEnv } from './cli.ts';

/** One JSON line of a process's pino log. */
export type LogLine = Record<string, unknown> & { msg?: string };

export interface SpawnedSyllabot {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Its log lines so far, parsed. */
  logs(): LogLine[];
  /** Resolves with the first log line that matches; rejects if the process exits first or on timeout. */
  waitForLog(match: (line: LogLine) => boolean, what: string, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the first printed line (log or not) matching `pattern`; rejects if it exits first. */
  line(pattern: RegExp): Promise<string>;
  /** The exit code, once it has exited. */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/**
 * `node bin/syllabot.mjs <args>` with exactly `env` (plus PATH, HOME, TMPDIR), its output
 * collected. Tests must stop (or kill) what they spawn; `kill()` in a finally is enough.
 */
export function spawnSyllabot(name: string, args: string[], env: Record<string, string>): SpawnedSyllabot {
  const child = spawn(process.execPath, [BIN, ...args], { env: operatorEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const parsed: LogLine[] = [];
  let partial = '';
  const waiters: { match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }[] = [];
  const lineWaiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (chunk: string) => {
    output += chunk;
    for (const waiter of [...lineWaiters]) {
      const line = output.split('\n').find((l) => waiter.pattern.test(l));
      if (line !== undefined) {
        lineWaiters.splice(lineWaiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
    partial += chunk;
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      parsed.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.match(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', onData);
  child.stderr!.setEncoding('utf8').on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    name,
    child,
    output: () => output,
    logs: () => parsed,
    exited,
    waitForLog(match, what, timeoutMs = 30_000) {
      const found = parsed.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${name}: no log line "${what}" within ${timeoutMs} ms; it printed:\n${output.slice(-4000)}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${code}) before logging "${what}":\n${output.slice(-4000)}`));
        });
      });
    },
    line(pattern) {
      const found = output.split('\n').find((l) => pattern.test(l));
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        lineWaiters.push({ pattern, resolve });
        void exited.then((code) => reject(new Error(`${name} exited (${code}) before printing ${pattern}:\n${output.slice(-4000)}`)));
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Kills what is still running (for finally blocks after a failed assertion). */
export function killAll(processes: readonly SpawnedSyllabot[]): void {
  for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
}

export { freePort } from './ports.ts';

/** Polls until `check` returns something truthy; a synchronisation aid, never a speed assertion. */
export async function eventually<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export interface HttpAnswer {
  status: number;
  contentType: string;
  text: string;
}

/** GET with a fresh connection each time (no keep-alive pool shared across a process's restarts). */
export async function httpGet(url: string, method = 'GET'): Promise<HttpAnswer> {
  const response = await fetch(url, { method, headers: { connection: 'close' } });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}
