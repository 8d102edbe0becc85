import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createMemoryRateLimiter, type RateBudgets } from '../../src/infra/rate-limit/member-rate-limiter.ts';
import { createLimiterRedisClient, createRedisRateLimiter } from '../../src/infra/rate-limit/redis-rate-limiter.ts';
import { openRateLimiter } from '../../src/infra/rate-limit/open-rate-limiter.ts';
import { createConsoleAdapter } from '../../adapters/console/console-adapter.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import type { RateLimiter } from '../../src/ports/rate-limiter.ts';
import type { CommandResult } from '../../src/core/router.ts';
import { dumpStore, freePort, openCore, run, type CoreHarness, type Who } from './support/core-harness.ts';
import { deleteKeys, randomPrefix, SHARED_REDIS_URL, startOwnRedis } from './support/redis.ts';

// The shipped defaults (20 reads, 10 writes per window); an hour-long window so the figures
// never depend on how fast the machine runs the burst.
const BUDGETS: RateBudgets = { read: { points: 20, windowSeconds: 3600 }, write: { points: 10, windowSeconds: 3600 } };
const BURST = 100;

const ana: Who = { platform: 'discord', community: '111', member: 'ana' };
const bo: Who = { platform: 'discord', community: '111', member: 'bo' };
const anaElsewhere: Who = { platform: 'discord', community: '222', member: 'ana' };

async function seedCourses(h: CoreHarness, who: Who, count: number): Promise<void> {
  const community = await h.store.upsertCommunity({ platform: who.platform, externalId: who.community }, `${who.platform} ${who.community}`);
  for (let i = 1; i <= count; i++) {
    await h.store.createCourse(community.id, { title: `Course ${i}`, description: '', url: null, tags: [], value: 1, startsAt: null });
  }
}

function enrollmentsOf(h: CoreHarness, who: Who): number {
  return h.store.database
    .prepare(
      `SELECT count(*) FROM enrollments e JOIN members m ON m.id = e.member_id JOIN communities c ON c.id = e.community_id
       WHERE c.platform = ? AND c.external_id = ? AND m.external_id = ?`,
    )
    .pluck()
    .get(who.platform, who.community, who.member) as number;
}

function tally(results: CommandResult[]) {
  const refused = results.filter((r) => r.outcome === 'rate-limited');
  return {
    executed: results.filter((r) => r.outcome === 'ok').length,
    refused: refused.length,
    warnings: refused.filter((r) => !r.alreadyWarned).length,
    other: results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'rate-limited').map((r) => r.reply.body.join(' ')),
  };
}

describe('Per-member rate limits in the core (memory)', () => {
  let h: CoreHarness;
  afterEach(async () => h.dispose());

  it('given a burst of 100 enrolls, when handled, then at most the write budget runs; told once', async () => {
    h = openCore({ rateLimiter: createMemoryRateLimiter(BUDGETS, silentLogger) });
    await seedCourses(h, ana, BURST);
    let enrolledEvents = 0;
    h.core.events.subscribe((e) => void (e.type === 'enrolled' && enrolledEvents++));

    const results = await Promise.all(Array.from({ length: BURST }, (_, i) => run(h.core, ana, `/enroll ${i + 1}`)));
    const t = tally(results);
    console.log(`rate limit: burst of ${BURST} writes from one member: ${t.executed} executed, ${t.refused} refused, ${t.warnings} "slow down" message(s) (write budget ${BUDGETS.write.points})`);

    expect(t.other).toEqual([]);
    expect(enrollmentsOf(h, ana)).toBe(t.executed);
    expect(enrolledEvents).toBe(t.executed);
    expect(t.executed).toBeLessThanOrEqual(BUDGETS.write.points);
    expect(t.executed).toBe(BUDGETS.write.points);
    expect(t.refused).toBe(BURST - BUDGETS.write.points);
    expect(t.warnings).toBe(1);
    const warning = results.find((r) => r.outcome === 'rate-limited' && !r.alreadyWarned)!;
    expect(warning.reply.visibility).toBe('ephemeral');
    const seconds = Number(/try again in (\d+) s/.exec(warning.reply.body.join(' '))?.[1]);
    expect(seconds).toBeGreaterThanOrEqual(1);
    expect(seconds).toBeLessThanOrEqual(BUDGETS.write.windowSeconds);
  });

  it('given a member over the write budget, when others act, then others and her reads are unaffected', async () => {
    h = openCore({ rateLimiter: createMemoryRateLimiter(BUDGETS, silentLogger) });
    await seedCourses(h, ana, 20);
    await seedCourses(h, anaElsewhere, 20);
    await Promise.all(Array.from({ length: 20 }, (_, i) => run(h.core, ana, `/enroll ${i + 1}`)));
    expect(enrollmentsOf(h, ana)).toBe(BUDGETS.write.points);

    expect((await run(h.core, bo, '/enroll 1')).outcome).toBe('ok');
    expect((await run(h.core, anaElsewhere, '/enroll 1')).outcome).toBe('ok');
    expect((await run(h.core, ana, '/courses')).outcome).toBe('ok');
    expect(enrollmentsOf(h, bo)).toBe(1);
    expect(enrollmentsOf(h, anaElsewhere)).toBe(1);
  });

  it('given a burst of 100 reads, when run in turn, then the read budget executes, the rest refused', async () => {
    h = openCore({ rateLimiter: createMemoryRateLimiter(BUDGETS, silentLogger) });
    await seedCourses(h, ana, 3);
    const results: CommandResult[] = [];
    for (let i = 0; i < BURST; i++) results.push(await run(h.core, ana, i % 2 ? '/courses' : '/score'));
    const t = tally(results);
    console.log(`rate limit: burst of ${BURST} reads from one member: ${t.executed} executed, ${t.refused} refused, ${t.warnings} "slow down" message(s) (read budget ${BUDGETS.read.points})`);
    expect(t).toEqual({ executed: BUDGETS.read.points, refused: BURST - BUDGETS.read.points, warnings: 1, other: [] });
  });

  it('given a refused member, when she sends a write, then the store is unchanged and no event is sent', async () => {
    h = openCore({ rateLimiter: createMemoryRateLimiter({ read: BUDGETS.read, write: { points: 1, windowSeconds: 3600 } }, silentLogger) });
    await seedCourses(h, ana, 3);
    expect((await run(h.core, ana, '/enroll 1')).outcome).toBe('ok');
    let events = 0;
    h.core.events.subscribe(() => void events++);
    const before = dumpStore(h.store);
    const refused = await run(h.core, ana, '/enroll 2');
    expect(refused.outcome).toBe('rate-limited');
    expect(refused.reply.body.join(' ')).toMatch(/Slow down a little: try again in \d+ s\./);
    expect(dumpStore(h.store)).toBe(before);
    expect(events).toBe(0);
  });

  it('given a one-second window, when it has passed, then the member may act again', async () => {
    h = openCore({ rateLimiter: createMemoryRateLimiter({ read: { points: 2, windowSeconds: 1 }, write: { points: 2, windowSeconds: 1 } }, silentLogger) });
    await seedCourses(h, ana, 1);
    await run(h.core, ana, '/courses');
    await run(h.core, ana, '/courses');
    const refused = await run(h.core, ana, '/courses');
    expect(refused.outcome).toBe('rate-limited');
    const seconds = Number(/try again in (\d+) s/.exec(refused.reply.body.join(' '))![1]);
    await new Promise((r) => setTimeout(r, seconds * 1000 + 100));
    expect((await run(h.core, ana, '/courses')).outcome).toBe('ok');
  });

  it('given the operator’s console, when a piped script enrolls 50 times, then nothing is limited', async () => {
    const strict = createMemoryRateLimiter({ read: { points: 1, windowSeconds: 3600 }, write: { points: 1, windowSeconds: 3600 } }, silentLogger);
    h = openCore({ rateLimiter: strict });
    const operator: Who = { platform: 'console', community: 'local', member: 'you', moderator: true };
    await seedCourses(h, operator, 50);
    const adapter = createConsoleAdapter({
      router: h.core.router,
      community: 'local',
      locale: 'en',
      i18n: h.core.catalog.translator('en'),
      input: process.stdin,
      output: process.stdout,
      interactive: false,
    });
    const printed: string[] = [];
    for (let i = 1; i <= 50; i++) printed.push(await adapter.runLine(`/enroll ${i}`));
    expect(printed.filter((p) => /Slow down/.test(p))).toEqual([]);
    expect(enrollmentsOf(h, operator)).toBe(50);
  });
});

describe('Per-member rate limits shared through Redis', () => {
  const clients: Redis[] = [];
  const prefixes: string[] = [];
  const processes: CoreHarness[] = [];
  let admin: Redis;

  beforeAll(async () => {
    admin = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1 });
    await admin.ping();
  });
  afterEach(async () => {
    for (const h of processes.splice(0).reverse()) await h.dispose();
    for (const prefix of prefixes.splice(0)) await deleteKeys(admin, prefix);
    for (const client of clients.splice(0)) client.disconnect();
  });
  afterAll(async () => {
    await admin.quit();
  });

  async function redisLimiter(prefix: string, url = SHARED_REDIS_URL, budgets = BUDGETS): Promise<RateLimiter> {
    const client = createLimiterRedisClient(url, silentLogger);
    clients.push(client);
    await client.connect();
    return createRedisRateLimiter({ budgets, client, logger: silentLogger, keyPrefix: prefix });
  }

  it('given two processes on one Redis, when 100 enrolls span both, then at most the budget executes', async () => {
    const prefix = randomPrefix('rl');
    prefixes.push(prefix);
    const first = openCore({ rateLimiter: await redisLimiter(prefix) });
    // The second "process": its own Redis connection, limiter and store handle on the same file.
    const second = openCore({ rateLimiter: await redisLimiter(prefix), path: first.path });
    processes.push(first, second);
    await seedCourses(first, ana, BURST);

    const results = await Promise.all(Array.from({ length: BURST }, (_, i) => run(i % 2 ? first.core : second.core, ana, `/enroll ${i + 1}`)));
    const t = tally(results);
    const byProcess = [0, 1].map((p) => results.filter((r, i) => i % 2 === p && r.outcome === 'ok').length);
    console.log(`rate limit (Redis, 2 processes): burst of ${BURST} writes: ${t.executed} executed (${byProcess.join(' + ')}), ${t.refused} refused, ${t.warnings} "slow down" message(s)`);
    expect(t.other).toEqual([]);
    expect(enrollmentsOf(first, ana)).toBe(t.executed);
    expect(t.executed).toBe(BUDGETS.write.points);
    expect(t.warnings).toBe(1);
    expect(await admin.exists(`${prefix}:write:discord:111:ana`)).toBe(1);
  });
  it('given two limiters with one prefix, when they consume alternately, then they share one budget', async () => {
    const prefix = randomPrefix('rl');
    prefixes.push(prefix);
    const a = await redisLimiter(prefix);
    const b = await redisLimiter(prefix);
    const decisions = [];
    for (let i = 0; i < 30; i++) decisions.push(await (i % 2 ? a : b).consume('discord:1:ana', 'write'));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(BUDGETS.write.points);
    expect(decisions.filter((d) => !d.allowed && d.firstRefusal)).toHaveLength(1);
    // Reads keep their own budget, and another member has hers.
    expect((await a.consume('discord:1:ana', 'read')).allowed).toBe(true);
    expect((await b.consume('discord:1:bo', 'write')).allowed).toBe(true);
  });

  it('given Redis dying mid-window, when members keep sending, then the in-memory insurance limits', async () => {
    const own = await startOwnRedis();
    try {
      const limiter = await redisLimiter(randomPrefix('rl'), own.url, { read: BUDGETS.read, write: { points: 3, windowSeconds: 3600 } });
      expect((await limiter.consume('slack:T1:U1', 'write')).allowed).toBe(true);
      await own.kill();
      const after = [];
      for (let i = 0; i < 6; i++) after.push(await limiter.consume('slack:T1:U1', 'write'));
      // The insurance limiter counts from zero in this process: 3 allowed, then refused.
      expect(after.map((d) => d.allowed)).toEqual([true, true, true, false, false, false]);
      expect(after.filter((d) => !d.allowed && d.firstRefusal)).toHaveLength(1);
    } finally {
      await own.kill();
    }
  });

  it('given REDIS_URL, when the bot opens its limiter, then it uses Redis if it answers and memory if not', async () => {
    const config = { RATE_LIMIT_READS: 20, RATE_LIMIT_WRITES: 10, RATE_LIMIT_WINDOW_SECONDS: 10 };
    const prefix = randomPrefix('rl');
    prefixes.push(prefix);
    const shared = await openRateLimiter({ ...config, REDIS_URL: SHARED_REDIS_URL }, silentLogger, { keyPrefix: prefix });
    const closedPort = await freePort();
    const local = await openRateLimiter({ ...config, REDIS_URL: `redis://:not-a-real-password@127.0.0.1:${closedPort}` }, silentLogger);
    try {
      expect(shared.backend).toBe('redis');
      expect(local.backend).toBe('memory');
      expect((await shared.limiter.consume('discord:1:ana', 'read')).allowed).toBe(true);
      expect((await local.limiter.consume('discord:1:ana', 'read')).allowed).toBe(true);
      expect(await admin.exists(`${prefix}:read:discord:1:ana`)).toBe(1);
    } finally {
      await shared.close();
      await local.close();
    }
  });
});
