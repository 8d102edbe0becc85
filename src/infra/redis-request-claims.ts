import type { Redis } from 'ioredis';
import type { Logger } from '../ports/logger.ts';
import type { RequestClaims } from '../ports/request-claims.ts';

/**
 * Request claims shared through Redis: `SET key 1 NX PX ttl` succeeds for exactly one caller
 * across every process on that Redis and prefix. When Redis does not answer, the claim is
 * granted (the adapter's in-process memory still catches repeats to the same process): a
 * Redis outage must never stop members' commands.
 */
export class RedisRequestClaims implements RequestClaims {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
    private readonly logger: Logger,
  ) {}

  async claim(key: string, ttlMs: number): Promise<boolean> {
    try {
      return (await this.client.set(`${this.prefix}:${key}`, '1', 'PX', Math.max(1, Math.round(ttlMs)), 'NX')) === 'OK';
    } catch (error) {
      this.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'request claim not shared (Redis did not answer); granting it');
      return true;
    }
  }
}
