import type { Logger } from '../../ports/logger.ts';
import type { RateLimiter } from '../../ports/rate-limiter.ts';
import { unsharedClaims, type RequestClaims } from '../../ports/request-claims.ts';
import { RedisRequestClaims } from '../redis-request-claims.ts';
import { describeUrl } from '../logger.ts';
import { budgetsFromConfig, createMemoryRateLimiter, type RateBudgetSettings } from './member-rate-limiter.ts';
import { createLimiterRedisClient, createRedisRateLimiter } from './redis-rate-limiter.ts';

export interface OpenRateLimiter {
  limiter: RateLimiter;
  /** `redis`: shared by every process on that Redis; `memory`: this process only. */
  backend: 'redis' | 'memory';
  /** On the same connection: claims that let every bot process handle a redelivered request once. */
  claims: RequestClaims;
  close(): Promise<void>;
}

export interface RateLimiterConfig extends RateBudgetSettings {
  REDIS_URL: string;
  JOBS_PREFIX?: string | undefined;
}

/** The counters live beside the jobs' keys, under the deployment's prefix (`syllabot:rl:*` by default). */
export const rateLimitPrefix = (config: { JOBS_PREFIX?: string | undefined }): string => `${config.JOBS_PREFIX ?? 'syllabot'}:rl`;

/**
 * Redis-backed limits when REDIS_URL answers at start-up, so several bot processes share one
 * budget per member; otherwise limits in this process's memory.
 */
export async function openRateLimiter(config: RateLimiterConfig, logger: Logger, options: { keyPrefix?: string } = {}): Promise<OpenRateLimiter> {
  const budgets = budgetsFromConfig(config);
  const log = logger.child({ component: 'rate-limit' });
  const client = createLimiterRedisClient(config.REDIS_URL, log);
  // ioredis rejects connect() with a generic "Connection is closed"; the cause comes as an event.
  let cause: Error | undefined;
  const remember = (err: Error) => (cause ??= err);
  client.on('error', remember);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    const reason = (cause ?? (err instanceof Error ? err : new Error(String(err)))).message;
    log.info({ redis: describeUrl(config.REDIS_URL), reason }, 'Redis unreachable at start-up: rate limits are per process');
    return { limiter: createMemoryRateLimiter(budgets, log), backend: 'memory', claims: unsharedClaims, close: async () => {} };
  }
  client.off('error', remember);
  log.info({ redis: describeUrl(config.REDIS_URL), reads: budgets.read, writes: budgets.write }, 'rate limits shared through Redis');
  return {
    limiter: createRedisRateLimiter({ budgets, client, logger: log, keyPrefix: options.keyPrefix ?? rateLimitPrefix(config) }),
    backend: 'redis',
    claims: new RedisRequestClaims(client, `${config.JOBS_PREFIX ?? 'syllabot'}:requests`, log),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
