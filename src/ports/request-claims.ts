/**
 * "This request is mine": lets a platform's redelivery of a request (a Slack retry landing on
 * another bot process) be handled once across every process that shares the backing store.
 */
export interface RequestClaims {
  /** True the first time `key` is claimed within `ttlMs`, false for a repeat from any process. */
  claim(key: string, ttlMs: number): Promise<boolean>;
}

/** No sharing: every claim succeeds, and only each adapter's own in-process memory dedupes. */
export const unsharedClaims: RequestClaims = { claim: async () => true };
