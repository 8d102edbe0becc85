export type AccessKind = 'read' | 'write';

export interface RateDecision {
  allowed: boolean;
  /** When refused: how long until the member may try again. */
  retryAfterMs: number;
}

/** Per-member command budget, shared across processes when backed by Redis. */
export interface RateLimiter {
  consume(key: string, kind: AccessKind): Promise<RateDecision>;
}

export const unlimited: RateLimiter = {
  consume: async () => ({ allowed: true, retryAfterMs: 0 }),
};
