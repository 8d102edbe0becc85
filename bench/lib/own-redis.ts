import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

/**
 * A redis-server of the benchmark's own on a free port (no persistence, noeviction like
 * production), so memory figures count only what the benchmark wrote.
 */
export interface OwnRedis {
  url: string;
  /** INFO memory `used_memory`, in bytes. */
  usedMemory(): Promise<number>;
  stop(): Promise<void>;
}

/** Why an own redis-server cannot run here, or null when it can. */
export function ownRedisProblem(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.error ? `redis-server not installed (${probe.error.message})` : null;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  const admin = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
  admin.on('error', () => undefined);
  for (let attempt = 0; ; attempt++) {
    try {
      await admin.connect();
      await admin.ping();
      break;
    } catch (error) {
      if (attempt > 100) {
        child.kill('SIGKILL');
        throw error;
      }
      admin.disconnect();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    url,
    async usedMemory() {
      const info = await admin.info('memory');
      const match = /^used_memory:(\d+)/m.exec(info);
      if (!match) throw new Error('INFO memory has no used_memory');
      return Number(match[1]);
    },
    async stop() {
      await admin.shutdown('NOSAVE').catch(() => undefined);
      admin.disconnect();
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
