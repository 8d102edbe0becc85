import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisServer } from '../support/redis-server.ts';
import { RecordingLogger } from '../support/logger.ts';
import type { Core } from '../../src/composition/app.ts';
import { createTestCore } from '../support/core.ts';
import { loadConfig, type Config } from '../../src/composition/config.ts';
import type { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { MutableServiceStatus } from '../../src/core/service-status.ts';
import type { DeliveryTag, Messenger } from '../../src/ports/messenger.ts';
import type { CommunityRef, Platform } from '../../src/domain/model.ts';
import type { Reply } from '../../src/domain/reply.ts';
import type { CommandResult } from '../../src/core/router.ts';
import { renderReply } from '../../adapters/console/render.ts';
import { createJobs } from '../../jobs/index.ts';
import type { JobsService } from '../../jobs/runtime.ts';
import type { JobsOptions } from '../../jobs/options.ts';

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';
export const COMMUNITY = 'jobs-test';

/** Durations small enough for tests; production defaults are in jobs/options.ts. */
export const FAST: Partial<JobsOptions> = {
  lockDurationMs: 2_000,
  stalledIntervalMs: 1_000,
  deliveryLeaseMs: 3_000,
  sendTimeoutMs: 2_000,
  recomputeDebounceMs: 200,
  schedulingTimeoutMs: 2_000,
  closeTimeoutMs: 3_000,
  reconnectMaxDelayMs: 300,
  repairDelayMs: 500,
};

export function randomPrefix(): string {
  return `test-jobs-${randomUUID().slice(0, 8)}`;
}

/** Deletes every key under a test's BullMQ prefix. */
export async function cleanupPrefix(prefix: string, url = SHARED_REDIS_URL): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface Post {
  kind: 'channel' | 'member';
  community: CommunityRef;
  to: string;
  reply: Reply;
  text: string;
  /** Which delivery the job said this is, and whether it may be a repeat. */
  delivery?: DeliveryTag | undefined;
}

/** A Messenger that records what it would have sent. */
export class RecordingMessenger implements Messenger {
  readonly posts: Post[] = [];
  constructor(readonly platforms: Platform[] = ['console']) {}
  async postToChannel(community: CommunityRef, channelId: string, reply: Reply, delivery?: DeliveryTag): Promise<void> {
    this.posts.push({ kind: 'channel', community, to: channelId, reply, text: renderReply(reply), delivery });
  }
  async sendToMember(community: CommunityRef, memberExternalId: string, reply: Reply, delivery?: DeliveryTag): Promise<void> {
    this.posts.push({ kind: 'member', community, to: memberExternalId, reply, text: renderReply(reply), delivery });
  }
}

/** Polls until the check passes; a synchronisation aid, never a speed assertion. */
export async function waitUntil<T>(check: () => T | Promise<T>, what: string, timeoutMs = 20_000, everyMs = 50): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', REDIS_URL: SHARED_REDIS_URL, ...overrides });
}

export interface World {
  core: Core;
  store: SqliteStore;
  logger: RecordingLogger;
  dir: string;
  dbPath: string;
  /** Runs a console line as `member` (default: the operator `you`, a moderator). */
  run(line: string, member?: string, locale?: string): Promise<CommandResult>;
  text(line: string, member?: string, locale?: string): Promise<string>;
  close(): Promise<void>;
}

/** A core over a fresh SQLite file (shared with child processes by path). */
export function createWorld(dbPath?: string): World {
  // A second "process" on the same file shares the first one's folder (the first removes it).
  const logger = new RecordingLogger();
  const core = createTestCore({ logger, services: new MutableServiceStatus(), ...(dbPath ? { path: dbPath } : {}) });
  const store = core.sqlite;
  const run = (line: string, member = 'you', locale = 'en') =>
    core.router.handle({
      community: { platform: 'console', externalId: COMMUNITY, name: 'Jobs Test' },
      actor: { externalId: member, displayName: member, isModerator: member === 'you', locale },
      input: { kind: 'line', line },
      surface: { forms: false, buttons: false },
      rateLimited: false,
    });
  return {
    core,
    store,
    logger,
    dir: core.dir,
    dbPath: core.path,
    run,
    text: async (line, member, locale) => renderReply((await run(line, member, locale)).reply),
    async close() {
      await core.dispose();
    },
  };
}

export interface StartOptions {
  prefix: string;
  role?: 'all' | 'worker';
  redisUrl?: string;
  options?: Partial<JobsOptions>;
  config?: Record<string, string>;
}

/** Starts the jobs of a "process" (a core) and waits until its first set-up ran, when Redis is up. */
export async function startJobsFor(world: World, start: StartOptions, waitForRedis = true): Promise<JobsService> {
  const jobs = createJobs({
    core: world.core,
    config: testConfig({ REDIS_URL: start.redisUrl ?? SHARED_REDIS_URL, ...start.config }),
    logger: world.logger,
    role: start.role ?? 'all',
    options: { ...FAST, ...start.options, prefix: start.prefix },
  })!;
  jobs.start();
  if (waitForRedis) {
    await waitUntil(() => world.core.services.jobs() === 'running', 'jobs to connect to Redis');
    await jobs.settled();
  }
  return jobs;
}

/** A world recording its posts, its jobs started on a fresh prefix of the shared Redis; `cleanups` stop both. */
export async function worldWithJobs(cleanups: (() => Promise<void>)[], start: Omit<StartOptions, 'prefix'> = {}) {
  const prefix = randomPrefix();
  const world = createWorld();
  const messenger = new RecordingMessenger();
  world.core.messengers.register(messenger);
  cleanups.push(() => world.close(), () => cleanupPrefix(prefix));
  const jobs = await startJobsFor(world, { ...start, prefix });
  cleanups.push(() => jobs.stop());
  return { prefix, world, messenger, jobs };
}

/**
 * A start time `ms` (or a little more: /course takes whole seconds) after the 24-hour lead, so
 * the course's first reminder is due in about `ms`.
 */
export function startsIn24hPlus(ms: number): string {
  const at = Math.ceil((Date.now() + 24 * 60 * 60 * 1000 + ms) / 1000) * 1000;
  return new Date(at).toISOString().replace('.000Z', 'Z');
}

export { freePort } from '../support/ports.ts';

/** A test-owned redis-server on its own port; `persist` keeps an append-only file. */
export class OwnRedis extends RedisServer {
  constructor(port: number, persist: boolean) {
    super(port, { persist });
  }
}
