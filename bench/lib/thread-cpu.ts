import { readFileSync } from 'node:fs';

/** The calling thread's scheduler accounting so far, in ms. */
export interface ThreadCpu {
  /** Time on a CPU. */
  cpuMs: number;
  /** Time runnable but waiting for a CPU (other threads and processes had them). */
  waitMs: number;
}

/**
 * Reads /proc/thread-self/schedstat (Linux; nanoseconds on a CPU, nanoseconds waiting on a run
 * queue): the time of this thread only, so the load generator's thread is not counted, and the
 * wait says how much a busy machine held the thread back. Undefined where there is no such file.
 */
export function threadCpu(): ThreadCpu | undefined {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
    const cpuMs = Number(run) / 1e6;
    const waitMs = Number(wait) / 1e6;
    return Number.isFinite(cpuMs) && Number.isFinite(waitMs) ? { cpuMs, waitMs } : undefined;
  } catch {
    return undefined;
  }
}

/** What this thread used between `since` and now; undefined where it cannot be read. */
export function threadCpuSince(since: ThreadCpu | undefined): ThreadCpu | undefined {
  const now = threadCpu();
  return since && now ? { cpuMs: now.cpuMs - since.cpuMs, waitMs: now.waitMs - since.waitMs } : undefined;
}
