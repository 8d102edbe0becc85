import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Logger } from '../../ports/logger.ts';
import type { AccessKind, RateDecision, RateLimiter } from '../../ports/rate-limiter.ts';

/** How many commands of each kind a member may send per window. */
export interface RateBudget {
  points: number;
  windowSeconds: number;
}

export interface RateBudgets {
  read: RateBudget;
  write: RateBudget;
}

/** The per-member budget settings (the validated configuration's names). */
export interface RateBudgetSettings {
  RATE_LIMIT_READS: number;
  RATE_LIMIT_WRITES: number;
  RATE_LIMIT_WINDOW_SECONDS: number;
}

export function budgetsFromConfig(config: RateBudgetSettings): RateBudgets {
  return {
    read: { points: config.RATE_LIMIT_READS, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS },
    write: { points: config.RATE_LIMIT_WRITES, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS },
  };
}

/** The one rate-limiter-flexible limiter per access kind, whatever its backing store. */
export type KindLimiters = Record<AccessKind, RateLimiterAbstract>;

/**
 * The RateLimiter port over rate-limiter-flexible. Reads and writes have separate budgets
 * (a member who browses a lot can still enroll). A limiter failure that is not a refusal lets
 * the command through: a broken limiter must never lock members out.
 */
export class MemberRateLimiter implements RateLimiter {
  constructor(
    private readonly limiters: KindLimiters,
    private readonly logger: Logger,
  ) {}

  async consume(key: string, kind: AccessKind): Promise<RateDecision> {
    const limiter = this.limiters[kind];
    try {
      await limiter.consume(key, 1);
      return { allowed: true, retryAfterMs: 0 };
    } catch (refusal) {
      if (refusal instanceof RateLimiterRes) {
        // Counts are atomic (in memory, or INCR in Redis), so exactly one consume per window
        // sees points + 1, even across processes.
        return { allowed: false, retryAfterMs: Math.max(0, refusal.msBeforeNext), firstRefusal: refusal.consumedPoints === limiter.points + 1 };
      }
      this.logger.warn({ err: refusal, kind }, 'rate limiter failed; letting the command through');
      return { allowed: true, retryAfterMs: 0 };
    }
  }
}

export function memoryLimiters(budgets: RateBudgets, keyPrefix = 'syllabot:rl'): KindLimiters {
  const one = (kind: AccessKind) =>
    new RateLimiterMemory({ keyPrefix: `${keyPrefix}:${kind}`, points: budgets[kind].points, duration: budgets[kind].windowSeconds });
  return { read: one('read'), write: one('write') };
}

/** Per-process limits, for a single bot process or when Redis is unreachable. */
export function createMemoryRateLimiter(budgets: RateBudgets, logger: Logger): MemberRateLimiter {
  return new MemberRateLimiter(memoryLimiters(budgets), logger);
}
