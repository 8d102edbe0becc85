import { RedisServer, redisServerProblem } from '../../test/support/redis-server.ts';

/**
 * A redis-server of the benchmark's own on a free port (no persistence, noeviction like
 * production), so memory figures count only what the benchmark wrote.
 */
export type OwnRedis = RedisServer;

/** Why an own redis-server cannot run here, or null when it can. */
export const ownRedisProblem = redisServerProblem;

export async function startOwnRedis(): Promise<OwnRedis> {
  return RedisServer.launch({ noeviction: true });
}
