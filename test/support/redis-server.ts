import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.ts';

export interface RedisServerOptions {
  /** Keep an append-only file (fsync always), so a stop and start keeps every key. */
  persist?: boolean;
  /** `maxmemory-policy noeviction`, as production runs it (for memory figures). */
  noeviction?: boolean;
}

/** Why a redis-server of our own cannot run here, or null when it can. */
export function redisServerProblem(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.error ? `redis-server not installed (${probe.error.message})` : null;
}

/**
 * A redis-server owned by one test or benchmark, on its own port and folder, for work that
 * must stop, kill or measure Redis without touching the shared one. It can be stopped and
 * started again on the same port (with `persist`, keeping its data).
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'syllabot-redis-'));

  constructor(
    readonly port: number,
    private readonly options: RedisServerOptions = {},
  ) {}

  /** A started server on a free port. */
  static async launch(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), options);
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--dir', this.dir];
    args.push('--appendonly', this.options.persist ? 'yes' : 'no');
    if (this.options.persist) args.push('--appendfsync', 'always');
    if (this.options.noeviction) args.push('--maxmemory-policy', 'noeviction');
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    for (let attempt = 0; ; attempt++) {
      const probe = this.client();
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') return;
      } catch (error) {
        if (attempt > 200 || child.exitCode !== null) throw new Error(`redis-server on port ${this.port} did not start`, { cause: error });
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
  }

  /** SHUTDOWN (SAVE when persisting) and wait for the process to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const admin = this.client();
    await (this.options.persist ? admin.shutdown('SAVE') : admin.shutdown('NOSAVE')).catch(() => undefined);
    admin.disconnect();
    await exited;
    this.child = undefined;
  }

  /** SIGKILL: Redis dies mid-whatever, as in a crash. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
    this.child = undefined;
  }

  /** INFO memory `used_memory`, in bytes. */
  async usedMemory(): Promise<number> {
    const admin = this.client();
    try {
      const match = /^used_memory:(\d+)/m.exec(await admin.info('memory'));
      if (!match) throw new Error('INFO memory has no used_memory');
      return Number(match[1]);
    } finally {
      admin.disconnect();
    }
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private client(): Redis {
    const client = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    return client;
  }
}
