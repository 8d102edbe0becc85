import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const PEER = fileURLToPath(new URL('./fixtures/store-peer.ts', import.meta.url));

/** Another process on the same store: `call` runs one Store method there and resolves when it is done. */
export interface StorePeer {
  call<T = unknown>(method: string, ...args: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** Starts test/contract/fixtures/store-peer.ts with the environment that names the store. */
export async function spawnStorePeer(env: Record<string, string>): Promise<StorePeer> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', PEER], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: process.env.TMPDIR ?? '/tmp', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let ready: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const { reject } of pending.values()) reject(new Error(`the store peer exited: ${stderr.trim()}`));
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { ready?: true; id?: number; result?: unknown; error?: string };
    if (message.ready) return ready();
    const waiter = pending.get(message.id!);
    pending.delete(message.id!);
    if (message.error !== undefined) waiter?.reject(new Error(`peer: ${message.error}`));
    else waiter?.resolve(message.result);
  });
  await Promise.race([started, exited.then(() => Promise.reject(new Error(`the store peer did not start: ${stderr.trim()}`)))]);
  let next = 0;
  return {
    call<T>(method: string, ...args: unknown[]): Promise<T> {
      const id = ++next;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
        child.stdin!.write(`${JSON.stringify({ id, method, args: args.map(tagDates) })}\n`);
      });
    },
    async stop() {
      child.stdin!.end();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Dates as {"$date": ISO}, which the peer turns back into Dates (JSON would make them strings). */
function tagDates(value: unknown): unknown {
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map(tagDates);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tagDates(v)]));
  return value;
}
