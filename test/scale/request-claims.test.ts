import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { RedisRequestClaims } from '../../src/infra/redis-request-claims.ts';
import { openRateLimiter } from '../../src/infra/rate-limit/open-rate-limiter.ts';
import { createLimiterRedisClient } from '../../src/infra/rate-limit/redis-rate-limiter.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { cleanupPrefix, freePort, randomPrefix, SHARED_REDIS_URL } from '../jobs/harness.ts';
import { eventually } from '../support/processes.ts';

/** Request claims shared through Redis: what lets a Slack retry landing on another bot process be answered once. */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function client(): Redis {
  const redis = new Redis(SHARED_REDIS_URL);
  cleanups.push(async () => void (await redis.quit()));
  return redis;
}

describe('RedisRequestClaims', () => {
  it('given two processes on one Redis, when both claim a request, then only the first gets it until expiry', async () => {
    const prefix = randomPrefix();
    cleanups.push(() => cleanupPrefix(prefix));
    const first = new RedisRequestClaims(client(), `${prefix}:requests`, silentLogger);
    const second = new RedisRequestClaims(client(), `${prefix}:requests`, silentLogger);
    expect(await first.claim('slack:command:T1:trigger-1', 60_000)).toBe(true);
    expect(await second.claim('slack:command:T1:trigger-1', 60_000)).toBe(false);
    expect(await first.claim('slack:command:T1:trigger-1', 60_000)).toBe(false);
    expect(await second.claim('slack:command:T1:trigger-2', 60_000)).toBe(true);
    expect(await first.claim('short', 30)).toBe(true);
    await eventually(() => second.claim('short', 60_000), 'the short claim to expire and be claimable again');
  });

  it('given Redis does not answer, when a request is claimed, then it is granted (commands never stop)', async () => {
    const unreachable = createLimiterRedisClient(`redis://127.0.0.1:${await freePort()}`, silentLogger);
    unreachable.on('error', () => undefined);
    cleanups.push(async () => unreachable.disconnect());
    const claims = new RedisRequestClaims(unreachable, 'nowhere:requests', silentLogger);
    expect(await claims.claim('slack:command:T1:trigger-1', 60_000)).toBe(true);
    expect(await claims.claim('slack:command:T1:trigger-1', 60_000)).toBe(true);
  });

  it('given openRateLimiter, then claims are shared under JOBS_PREFIX if Redis answers, unshared if not', async () => {
    const prefix = randomPrefix();
    cleanups.push(() => cleanupPrefix(prefix));
    const budgets = { RATE_LIMIT_READS: 5, RATE_LIMIT_WRITES: 5, RATE_LIMIT_WINDOW_SECONDS: 10 };
    const shared = await openRateLimiter({ ...budgets, REDIS_URL: SHARED_REDIS_URL, JOBS_PREFIX: prefix }, silentLogger);
    cleanups.push(() => shared.close());
    expect(shared.backend).toBe('redis');
    expect(await shared.claims.claim('k', 60_000)).toBe(true);
    expect(await shared.claims.claim('k', 60_000)).toBe(false);
    expect(await client().exists(`${prefix}:requests:k`)).toBe(1);
    await shared.limiter.consume('member', 'read');
    expect(await client().exists(`${prefix}:rl:read:member`)).toBe(1);

    const local = await openRateLimiter({ ...budgets, REDIS_URL: `redis://127.0.0.1:${await freePort()}`, JOBS_PREFIX: prefix }, silentLogger);
    cleanups.push(() => local.close());
    expect(local.backend).toBe('memory');
    expect(await local.claims.claim('k', 60_000)).toBe(true);
    expect(await local.claims.claim('k', 60_000)).toBe(true);
  });
});
