export type AccessKind = 'read' | 'write';

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the member may try again. */
  retryAfterMs: number;
  /**
   * When refused: true only for the first refusal in the member's current window, so the
   * member is told once and adapters can stay silent on the rest of a spammed burst. A limiter
   * that cannot tell leaves it out, and every refusal then counts as the first.
   */
  firstRefusal?: boolean;
}

/** Per-member command budget, shared across processes when backed by Redis. */
export interface RateLimiter {
  consume(key: string, kind: AccessKind): Promise<RateDecision>;
}

export const unlimited: RateLimiter = {
  consume: async () => ({ allowed: true, retryAfterMs: 0 }),
};
