import { afterEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/composition/app.ts';
import { createTestCore } from '../support/core.ts';
import { loadConfig } from '../../src/composition/config.ts';
import type { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { SyllabotMetrics } from '../../src/infra/health/metrics.ts';
import { checkHealth, startHealthServer, type HealthReport, type HealthServer } from '../../src/infra/health/health-server.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { MutableServiceStatus } from '../../src/core/service-status.ts';
import type { PlatformAdapter } from '../../src/ports/platform.ts';
import { createDiscordAdapter } from '../../adapters/discord/index.ts';
import { createJobs } from '../../jobs/index.ts';
import type { JobsService } from '../../jobs/runtime.ts';
import { FakeDiscord, type FakeGuild } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, PERMISSIONS, slashCommand, textOf, type FakeMember } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { cleanupPrefix, FAST, OwnRedis, randomPrefix, SHARED_REDIS_URL, freePort as freeRedisPort } from '../jobs/harness.ts';
import { eventually, httpGet } from '../support/processes.ts';
import { parseMetrics, sampleValue } from '../support/prometheus.ts';
import { discordAdapterConfig } from '../../src/composition/adapter-config.ts';

/**
 * The health and metrics endpoint in this process, around a real core: a real Discord adapter
 * on the fake Discord, a SQLite store, BullMQ jobs on a real Redis.
 */
interface World {
  fake: FakeDiscord;
  guild: FakeGuild;
  core: Core;
  store: SqliteStore;
  adapter: PlatformAdapter;
  jobs: JobsService;
  metrics: SyllabotMetrics;
  server: HealthServer;
  url(path: string): string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function startWorld(redisUrl = SHARED_REDIS_URL): Promise<World> {
  const fake = await FakeDiscord.start();
  cleanups.push(() => fake.close());
  const guild = fake.addGuild({ name: 'Health' });
  const prefix = randomPrefix();
  // A test-owned Redis is thrown away whole; the shared one is cleaned key by key.
  if (redisUrl === SHARED_REDIS_URL) cleanups.push(() => cleanupPrefix(prefix));
  const metrics = new SyllabotMetrics();
  const core = createTestCore({ observer: metrics, services: new MutableServiceStatus() });
  cleanups.push(() => core.dispose());
  const store = core.sqlite;
  const config = loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, SQLITE_PATH: core.path, REDIS_URL: redisUrl, JOBS_PREFIX: prefix });
  const adapter = createDiscordAdapter(discordAdapterConfig({ core, config, logger: silentLogger }));
  core.messengers.register(adapter.messenger);
  const jobs = createJobs({ core, config, logger: silentLogger, role: 'all', observer: metrics, options: FAST })!;
  jobs.start();
  cleanups.push(() => jobs.stop());
  metrics.setDepthSource(() => jobs.depths());
  await adapter.start();
  cleanups.push(() => adapter.stop());
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    metrics,
    logger: silentLogger,
    sources: { role: 'start', store, jobs: () => core.services.jobs(), adapters: () => [adapter], delivers: () => core.messengers.platforms },
  });
  cleanups.push(() => server.close());
  return { fake, guild, core, store, adapter, jobs, metrics, server, url: (path) => `http://127.0.0.1:${server.port}${path}` };
}

async function healthz(world: World): Promise<{ status: number; report: HealthReport }> {
  const answer = await httpGet(world.url('/healthz'));
  expect(answer.contentType).toBe('application/json; charset=utf-8');
  return { status: answer.status, report: JSON.parse(answer.text) as HealthReport };
}

const ana: FakeMember = { id: snowflake(), username: 'ana' };
const mod: FakeMember = { id: snowflake(), username: 'mo', permissions: PERMISSIONS.moderator };

async function command(world: World, member: FakeMember, name: string, options: Record<string, string | number> = {}): Promise<string> {
  const sent = slashCommand(world.fake, world.guild, member, name, options);
  return textOf(callbackBody(await world.fake.waitForRequest(isCallback(sent))).data);
}

describe('GET /healthz and GET /metrics (in-process server)', () => {
  it('given Discord, store and jobs all up, when /healthz is asked, then 200 with each part ok', async () => {
    const world = await startWorld();
    await eventually(() => world.core.services.jobs() === 'running', 'jobs to connect to Redis');
    const { status, report } = await healthz(world);
    expect(status).toBe(200);
    expect(report).toEqual({
      status: 'ok',
      role: 'start',
      components: { store: { ok: true, state: 'sqlite' }, jobs: { ok: true, state: 'running' }, discord: { ok: true, detail: '1 shard(s) ready' } },
      delivers: ['discord'],
    });
    // HEAD gets the same status without a body; other paths and methods are refused.
    expect((await httpGet(world.url('/healthz'), 'HEAD')).status).toBe(200);
    expect((await httpGet(world.url('/'))).status).toBe(404);
    expect((await httpGet(world.url('/healthz'), 'POST')).status).toBe(405);
  });

  it('given ok, refused and unknown commands, when /metrics is scraped, then all metrics are there', async () => {
    const world = await startWorld();
    expect(await command(world, ana, 'help')).toContain('Syllabot commands');
    expect(await command(world, mod, 'course add', { title: 'Rust for Pythonistas' })).toContain('Rust for Pythonistas');
    await command(world, ana, 'courses');
    await command(world, ana, 'courses');
    await command(world, ana, 'course add', { title: 'Not allowed' });
    await command(world, ana, 'no-such-command');
    // The recompute tick runs once when the jobs connect; its job counter follows.
    const text = await eventually(async () => {
      const answer = await httpGet(world.url('/metrics'));
      return answer.text.includes('syllabot_jobs_total{queue="recompute",outcome="completed"}') ? answer : undefined;
    }, 'the first recompute to be counted');
    expect(text.status).toBe(200);
    expect(text.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const samples = parseMetrics(text.text);
    const commands = (labels: Record<string, string>) => sampleValue(samples, 'syllabot_commands_total', { platform: 'discord', ...labels });
    expect(commands({ command: 'help', outcome: 'ok' })).toBe(1);
    expect(commands({ command: 'courses', outcome: 'ok' })).toBe(2);
    expect(commands({ command: 'course.add', outcome: 'ok' })).toBe(1);
    expect(commands({ command: 'course.add', outcome: 'user-error' })).toBe(1);
    expect(commands({ command: 'unknown', outcome: 'user-error' })).toBe(1);
    expect(sampleValue(samples, 'syllabot_command_duration_seconds_count', { command: 'courses', platform: 'discord' })).toBe(2);
    expect(sampleValue(samples, 'syllabot_command_duration_seconds_bucket', { command: 'courses', platform: 'discord', le: '+Inf' })).toBe(2);
    expect(sampleValue(samples, 'syllabot_command_duration_seconds_sum', { command: 'help', platform: 'discord' })).toBeGreaterThan(0);
    expect(sampleValue(samples, 'syllabot_jobs_total', { queue: 'recompute', outcome: 'completed' })).toBeGreaterThanOrEqual(1);
    // The next periodic recompute tick and the next daily history prune wait in the recompute
    // queue; every queue of every platform is listed.
    expect(sampleValue(samples, 'syllabot_queue_jobs', { queue: 'recompute', state: 'delayed' })).toBe(2);
    for (const queue of ['reminders-discord', 'digests-discord', 'reminders-slack', 'digests-slack', 'reminders-console', 'digests-console']) {
      for (const state of ['waiting', 'delayed', 'active']) expect(sampleValue(samples, 'syllabot_queue_jobs', { queue, state }), `${queue} ${state}`).toBeTypeOf('number');
    }
    for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(sampleValue(samples, name), name).toBeTypeOf('number');
    }
  });

  it('given the Discord gateway goes away, when /healthz is asked, then 503 names the platform', async () => {
    const world = await startWorld();
    await world.fake.close();
    const { status, report } = await eventually(async () => {
      const answer = await healthz(world);
      return answer.status === 503 ? answer : undefined;
    }, '/healthz to report the lost gateway');
    expect(status).toBe(503);
    expect(report.status).toBe('down');
    expect(report.components.discord).toMatchObject({ ok: false });
    expect(report.components.store).toEqual({ ok: true, state: 'sqlite' });
  });

  it('given the store is closed, when /healthz is asked, then 503, store down, no driver text', async () => {
    const world = await startWorld();
    await world.store.close();
    const { status, report } = await healthz(world);
    expect(status).toBe(503);
    expect(report.components.store).toEqual({ ok: false, state: 'sqlite', detail: 'ping failed' });
    expect(report.components.discord).toMatchObject({ ok: true });
  });

  it('given Redis stops, when /healthz is asked, then jobs paused, process healthy, /metrics answers', async () => {
    const redis = new OwnRedis(await freeRedisPort(), false);
    await redis.start();
    cleanups.push(() => redis.dispose());
    const world = await startWorld(redis.url);
    await eventually(() => world.core.services.jobs() === 'running', 'jobs to connect to the own Redis');
    await redis.stop();
    await eventually(() => world.core.services.jobs() === 'paused', 'jobs to notice Redis is gone');
    const { status, report } = await healthz(world);
    expect(status).toBe(200);
    expect(report.components.jobs).toEqual({ ok: false, state: 'paused' });
    const metrics = await httpGet(world.url('/metrics'));
    expect(metrics.status).toBe(200);
    // No queue depths while Redis is away, rather than stale ones.
    expect(parseMetrics(metrics.text).filter((s) => s.name === 'syllabot_queue_jobs')).toEqual([]);
  });

  it('given a store that never answers, when health is checked, then it is down after the timeout', async () => {
    const hanging = { kind: 'mongo', ping: () => new Promise<void>(() => undefined) };
    const report = await checkHealth({ role: 'worker', store: hanging, jobs: () => 'off', adapters: () => [], delivers: () => [] }, silentLogger, 50);
    expect(report).toEqual({ status: 'down', role: 'worker', components: { store: { ok: false, state: 'mongo', detail: 'no answer within 50 ms' }, jobs: { ok: true, state: 'off' } }, delivers: [] });
  });
});
