import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createSlackAdapter, type SlackAdapter } from '../../adapters/slack/index.ts';
import { RedisRequestClaims } from '../../src/infra/redis-request-claims.ts';
import { createLimiterRedisClient } from '../../src/infra/rate-limit/redis-rate-limiter.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { unsharedClaims, type RequestClaims } from '../../src/ports/request-claims.ts';
import { SIGNING_SECRET, startSlackHarness, TEAM, USERS, type SlackHarness } from '../fakes/slack/harness.ts';
import { SignedSlackClient } from '../fakes/slack/signed-requests.ts';
import { headerText } from '../fakes/slack/blocks.ts';
import { cleanupPrefix, freePort, randomPrefix, SHARED_REDIS_URL } from '../jobs/harness.ts';
import { slackAdapterConfig } from '../../src/composition/adapter-config.ts';

/**
 * Two Slack adapters on one store, as two bot processes behind a load balancer: Slack's retry
 * of a request may reach the other one. With the claims shared through Redis the retry is
 * ignored there too; each adapter keeps its own in-process memory as well.
 */
let h: SlackHarness | undefined;
let other: SlackAdapter | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  await other?.stop();
  await h?.close();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  other = undefined;
  h = undefined;
});

/** Adapter A (the harness) and adapter B on the same core, both with `claims`. */
async function twoAdapters(claims: RequestClaims): Promise<{ a: SignedSlackClient; b: SignedSlackClient }> {
  h = await startSlackHarness({ requestClaims: claims });
  other = createSlackAdapter(slackAdapterConfig({ core: h.core, config: h.config, logger: silentLogger, requestClaims: claims }));
  await other.start();
  const b = new SignedSlackClient(`http://127.0.0.1:${other.port()}/slack/events`, SIGNING_SECRET, { id: TEAM.id, domain: TEAM.domain });
  return { a: h.client, b };
}

async function idle(): Promise<void> {
  await Promise.all([h!.adapter.whenIdle(), other!.whenIdle()]);
}

async function redisClaims(): Promise<RequestClaims> {
  const prefix = randomPrefix();
  const client = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 500 });
  cleanups.push(async () => {
    client.disconnect();
    await cleanupPrefix(prefix);
  });
  return new RedisRequestClaims(client, `${prefix}:requests`, silentLogger);
}

async function courseCount(): Promise<number> {
  const community = await h!.store.findCommunity({ platform: 'slack', externalId: TEAM.id });
  return community ? (await h!.store.listCourses(community.id, { sort: 'number', offset: 0, limit: 100, includeArchived: true })).total : 0;
}

describe('Slack retries across bot processes', () => {
  it('given two adapters sharing claims, when Slack retries to the other one, then it is handled once', async () => {
    const { a, b } = await twoAdapters(await redisClaims());
    const url = h!.responses.newUrl();
    const body = a.commandBody({ command: '/course', text: 'add title:"Once"', userId: USERS.admin.id, responseUrl: url });
    expect((await a.sendForm(body)).status).toBe(200);
    await idle();
    expect((await b.sendForm(body, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    await idle();
    expect(await courseCount()).toBe(1);
    expect(h!.responses.postsTo(url).map((p) => headerText(p.body))).toEqual(['✅ Added #1 Once.']);

    const helpUrl = h!.responses.newUrl();
    const help = b.commandBody({ command: '/help', text: '', userId: USERS.member.id, responseUrl: helpUrl });
    await b.sendForm(help);
    await a.sendForm(help, { retryNum: 1, retryReason: 'http_timeout' });
    await b.sendForm(help, { retryNum: 2, retryReason: 'http_timeout' });
    await idle();
    expect(h!.responses.postsTo(helpUrl)).toHaveLength(1);
  });

  it('given two adapters sharing nothing, when a retry reaches the other, then it is answered twice', async () => {
    const { a, b } = await twoAdapters(unsharedClaims);
    const url = h!.responses.newUrl();
    const body = a.commandBody({ command: '/help', text: '', userId: USERS.member.id, responseUrl: url });
    await a.sendForm(body);
    await idle();
    await b.sendForm(body, { retryNum: 1, retryReason: 'http_timeout' });
    await idle();
    expect(h!.responses.postsTo(url)).toHaveLength(2);
  });

  it('given the shared Redis is down, then requests are answered and a same-adapter retry is ignored', async () => {
    // Nothing listens on this port: every claim fails at once and is granted.
    const client = createLimiterRedisClient(`redis://127.0.0.1:${await freePort()}`, silentLogger);
    cleanups.push(async () => client.disconnect());
    const { a } = await twoAdapters(new RedisRequestClaims(client, 'unreachable', silentLogger));
    const url = h!.responses.newUrl();
    const body = a.commandBody({ command: '/course', text: 'add title:"Despite Redis"', userId: USERS.admin.id, responseUrl: url });
    await a.sendForm(body);
    await idle();
    await a.sendForm(body, { retryNum: 1, retryReason: 'http_timeout' });
    await idle();
    expect(await courseCount()).toBe(1);
    expect(h!.responses.postsTo(url).map((p) => headerText(p.body))).toEqual(['✅ Added #1 Despite Redis.']);
  });
});
