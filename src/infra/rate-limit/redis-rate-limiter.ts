import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { Logger } from '../../ports/logger.ts';
import type { AccessKind } from '../../ports/rate-limiter.ts';
import { MemberRateLimiter, type KindLimiters, type RateBudgets } from './member-rate-limiter.ts';

export interface RedisRateLimiterOptions {
  budgets: RateBudgets;
  /** A connected client; the limiter never closes it. */
  client: Redis;
  logger: Logger;
  /** Namespace of the counters; tests use a random one. */
  keyPrefix?: string;
}

/**
 * Limits shared by every process that uses the same Redis and prefix. Each kind has an
 * in-memory insurance limiter with the same budget: while Redis is down or slow, commands are
 * counted per process instead of waiting or failing.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): MemberRateLimiter {
  const prefix = options.keyPrefix ?? 'syllabot:rl';
  const one = (kind: AccessKind) => {
    const { points, windowSeconds } = options.budgets[kind];
    return new RateLimiterRedis({
      storeClient: options.client,
      keyPrefix: `${prefix}:${kind}`,
      points,
      duration: windowSeconds,
      // Not connected: go straight to the insurance limiter instead of queueing the command.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: `${prefix}:${kind}:insurance`, points, duration: windowSeconds }),
    });
  };
  const limiters: KindLimiters = { read: one('read'), write: one('write') };
  return new MemberRateLimiter(limiters, options.logger);
}

/**
 * A client that fails fast instead of queueing: with no offline queue and a command timeout,
 * a Redis that goes away costs a command at most `commandTimeoutMs` before the insurance
 * limiter answers.
 */
export function createLimiterRedisClient(url: string, logger: Logger, commandTimeoutMs = 500): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
    // Keep trying in the background; the insurance limiter covers the gap.
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
  // One warning when an established connection is lost, one note when it is back; ioredis
  // repeats the error on every retry. Start-up failures are reported by openRateLimiter.
  let state: 'connecting' | 'up' | 'down' = 'connecting';
  client.on('error', (err: Error) => {
    if (state === 'up') logger.warn({ err }, 'rate limit Redis unreachable; counting per process meanwhile');
    if (state !== 'connecting') state = 'down';
  });
  client.on('ready', () => {
    if (state === 'down') logger.info({}, 'rate limit Redis reachable again; limits are shared again');
    state = 'up';
  });
  return client;
}
