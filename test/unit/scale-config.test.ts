import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/composition/config.ts';
import { defaultJobsOptions } from '../../jobs/options.ts';
import { rateLimitPrefix } from '../../src/infra/rate-limit/open-rate-limiter.ts';

/** The settings several processes on one Redis depend on. */
describe('JOBS_PREFIX and the nudge delay', () => {
  it('given no JOBS_PREFIX, then queues, deliveries and limits live under `syllabot`; given one, under it', () => {
    const plain = loadConfig({});
    expect(plain.JOBS_PREFIX).toBe('syllabot');
    expect(defaultJobsOptions(plain).prefix).toBe('syllabot');
    expect(rateLimitPrefix(plain)).toBe('syllabot:rl');
    const staging = loadConfig({ JOBS_PREFIX: '{syllabot-staging}' });
    expect(defaultJobsOptions(staging).prefix).toBe('{syllabot-staging}');
    expect(rateLimitPrefix(staging)).toBe('{syllabot-staging}:rl');
  });

  it('given a JOBS_PREFIX with spaces, colons or over 64 chars, then start-up stops naming the variable', () => {
    for (const bad of ['two words', 'a:b', 'x'.repeat(65)]) {
      expect(() => loadConfig({ JOBS_PREFIX: bad })).toThrow(ConfigError);
      try {
        loadConfig({ JOBS_PREFIX: bad });
      } catch (error) {
        expect((error as ConfigError).problems.join('\n')).toContain('JOBS_PREFIX');
      }
    }
  });

  it('given RATE_NUDGE_DAYS as a decimal, then the nudge delay follows it to the millisecond', () => {
    expect(defaultJobsOptions(loadConfig({ RATE_NUDGE_DAYS: '0.00002' })).nudgeAfterMs).toBeCloseTo(1728, 6);
    expect(defaultJobsOptions(loadConfig({ RATE_NUDGE_DAYS: '1.5' })).nudgeAfterMs).toBe(36 * 60 * 60 * 1000);
  });
});
