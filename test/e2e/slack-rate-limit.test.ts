import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../../src/infra/rate-limit/member-rate-limiter.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { startSlackHarness, USERS, type SlackHarness } from '../fakes/slack/harness.ts';

/**
 * Issue 9, rate limits through the Slack adapter: a member over budget is told to slow down
 * once per window; the rest of the burst is acknowledged and answered with nothing.
 */
describe('Slack adapter when a member is rate limited', () => {
  let h: SlackHarness;

  beforeAll(async () => {
    const limiter = createMemoryRateLimiter({ read: { points: 2, windowSeconds: 3600 }, write: { points: 1, windowSeconds: 3600 } }, silentLogger);
    h = await startSlackHarness({ rateLimiter: limiter });
  });
  afterAll(async () => {
    await h?.close();
  });

  async function help(user: { id: string }) {
    const url = h.responses.newUrl();
    const ack = await h.client.sendForm(h.client.commandBody({ command: '/help', text: '', userId: user.id, responseUrl: url }));
    await h.adapter.whenIdle();
    return { ack, posts: h.responses.postsTo(url) };
  }

  it('given a burst of /help from one member, then one "slow down" answers and others are unaffected', async () => {
    const burst = [];
    for (let n = 0; n < 6; n++) burst.push(await help(USERS.member));
    expect(burst.every((b) => b.ack.status === 200)).toBe(true);
    const texts = burst.map((b) => b.posts.map((p) => JSON.stringify(p.body)).join(''));
    expect(texts.slice(0, 2).every((t) => t.includes('Syllabot commands'))).toBe(true);
    expect(texts[2]).toContain('Slow down a little: try again in');
    expect(burst[2]!.posts[0]!.body).toMatchObject({ response_type: 'ephemeral' });
    expect(burst.slice(3).map((b) => b.posts.length)).toEqual([0, 0, 0]);

    const calm = await help(USERS.admin);
    expect(JSON.stringify(calm.posts[0]?.body)).toContain('Syllabot commands');
  });
});
