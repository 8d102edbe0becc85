import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../../src/infra/health/health-server.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, slashCommand, textOf } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { FakeSlackWebApi } from '../fakes/slack/web-api.ts';
import { BOT_TOKEN, SIGNING_SECRET, TEAM } from '../fakes/slack/harness.ts';
import { cleanupPrefix, randomPrefix } from '../jobs/harness.ts';
import { eventually, freePort, httpGet, killAll, spawnSyllabot, type SpawnedSyllabot } from '../support/processes.ts';
import { parseMetrics, sampleValue } from '../support/prometheus.ts';

/** HEALTH_PORT on real `syllabot start` and `syllabot worker` processes. */
let dir: string;
const spawned: SpawnedSyllabot[] = [];
const prefixes: string[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'syllabot-health-process-'));
});
afterAll(async () => {
  killAll(spawned);
  for (const prefix of prefixes) await cleanupPrefix(prefix);
  rmSync(dir, { recursive: true, force: true });
});

async function health(port: number): Promise<{ status: number; report: HealthReport }> {
  const answer = await httpGet(`http://127.0.0.1:${port}/healthz`);
  return { status: answer.status, report: JSON.parse(answer.text) as HealthReport };
}

describe('HEALTH_PORT on a running process', () => {
  it('given `start` with Discord and HEALTH_PORT, then /healthz and /metrics follow the gateway', async () => {
    const fake = await FakeDiscord.start();
    try {
      const guild = fake.addGuild({ name: 'Health process' });
      const port = await freePort();
      const prefix = randomPrefix();
      prefixes.push(prefix);
      const bot = spawnSyllabot('bot', ['start'], {
        DISCORD_TOKEN: fake.token,
        DISCORD_API_URL: fake.apiUrl,
        SQLITE_PATH: join(dir, 'start.sqlite'),
        JOBS_PREFIX: prefix,
        HEALTH_PORT: String(port),
        LOG_LEVEL: 'info',
      });
      spawned.push(bot);
      await bot.waitForLog((l) => l.msg === 'adapter started' && l.platform === 'discord', 'discord adapter started');
      const listening = await bot.waitForLog((l) => l.msg === 'health and metrics endpoint listening', 'health endpoint listening');
      expect(listening).toMatchObject({ port, paths: ['/healthz', '/metrics'] });

      const up = await health(port);
      expect(up.status).toBe(200);
      expect(up.report).toMatchObject({ status: 'ok', role: 'start', components: { store: { ok: true, state: 'sqlite' }, discord: { ok: true, detail: '1 shard(s) ready' } }, delivers: ['discord'] });

      const member = { id: snowflake(), username: 'ana' };
      for (const name of ['help', 'courses', 'courses']) {
        const sent = slashCommand(fake, guild, member, name);
        expect(textOf(callbackBody(await fake.waitForRequest(isCallback(sent))).data)).not.toBe('');
      }
      const metrics = await httpGet(`http://127.0.0.1:${port}/metrics`);
      expect(metrics.status).toBe(200);
      const samples = parseMetrics(metrics.text);
      expect(sampleValue(samples, 'syllabot_commands_total', { command: 'help', platform: 'discord', outcome: 'ok' })).toBe(1);
      expect(sampleValue(samples, 'syllabot_commands_total', { command: 'courses', platform: 'discord', outcome: 'ok' })).toBe(2);
      expect(sampleValue(samples, 'syllabot_command_duration_seconds_count', { command: 'courses', platform: 'discord' })).toBe(2);
      expect(sampleValue(samples, 'syllabot_queue_jobs', { queue: 'reminders-discord', state: 'waiting' })).toBe(0);
      expect(sampleValue(samples, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);

      await fake.close();
      const down = await eventually(async () => {
        const answer = await health(port);
        return answer.status === 503 ? answer : undefined;
      }, '/healthz to report the lost gateway');
      expect(down.report.status).toBe('down');
      expect(down.report.components.discord).toMatchObject({ ok: false });

      expect(await bot.stop()).toBe(0);
      expect(bot.output()).not.toContain(fake.token);
    } finally {
      await fake.close();
    }
  });

  it('given `worker` with Discord and Slack, then it delivers for both; /healthz, /metrics answer', async () => {
    const discord = await FakeDiscord.start();
    const slack = await FakeSlackWebApi.start({ botToken: BOT_TOKEN, team: { id: TEAM.id, name: TEAM.name }, users: [] });
    try {
      const port = await freePort();
      const prefix = randomPrefix();
      prefixes.push(prefix);
      const worker = spawnSyllabot('worker', ['worker'], {
        DISCORD_TOKEN: discord.token,
        DISCORD_API_URL: discord.apiUrl,
        SLACK_BOT_TOKEN: BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.url,
        SQLITE_PATH: join(dir, 'worker.sqlite'),
        JOBS_PREFIX: prefix,
        HEALTH_PORT: String(port),
        LOG_LEVEL: 'info',
      });
      spawned.push(worker);
      const started = await worker.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('jobs started'), 'jobs started');
      expect(started.queues).toEqual(['recompute', 'maintenance', 'reminders-discord', 'digests-discord', 'reminders-slack', 'digests-slack']);
      await worker.waitForLog((l) => l.msg === 'health and metrics endpoint listening', 'health endpoint listening');

      const { status, report } = await eventually(async () => {
        const answer = await health(port);
        return answer.report.components.jobs?.state === 'running' ? answer : undefined;
      }, 'the worker to connect to Redis');
      expect(status).toBe(200);
      expect(report).toEqual({ status: 'ok', role: 'worker', components: { store: { ok: true, state: 'sqlite' }, jobs: { ok: true, state: 'running' } }, delivers: ['discord', 'slack'] });
      const samples = parseMetrics((await httpGet(`http://127.0.0.1:${port}/metrics`)).text);
      expect(sampleValue(samples, 'syllabot_queue_jobs', { queue: 'digests-slack', state: 'delayed' })).toBe(0);
      expect(sampleValue(samples, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);

      expect(await worker.stop()).toBe(0);
      // REST only: the worker never opened a gateway session (it would take a shard from the bots).
      expect(discord.identifies).toEqual([]);
      expect(worker.output()).not.toContain(discord.token);
      expect(worker.output()).not.toContain(BOT_TOKEN);
    } finally {
      await discord.close();
      await slack.close();
    }
  });
});
