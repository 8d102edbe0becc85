import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RedisServer } from '../../support/redis-server.ts';

export const SHARED_REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix no other test or process uses. */
export function randomPrefix(what: string): string {
  return `syllabot-test:${what}:${randomUUID()}`;
}

/** Deletes every key under a prefix (SCAN, not KEYS, so a busy Redis is not blocked). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** A throwaway redis-server on a free port, for tests that must stop Redis. */
export function startOwnRedis(): Promise<RedisServer> {
  return RedisServer.launch();
}
