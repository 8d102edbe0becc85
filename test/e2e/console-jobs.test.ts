import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { digestQueueName } from '../../jobs/queues.ts';
import { runCli } from '../support/cli.ts';
import { freePort } from '../support/ports.ts';
import { cleanupPrefix, randomPrefix, SHARED_REDIS_URL } from '../jobs/harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'syllabot-console-jobs-'));
const prefixes: string[] = [];
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  for (const prefix of prefixes) await cleanupPrefix(prefix);
});
let n = 0;
const freshDb = () => join(dir, `db-${++n}`, 'syllabot.sqlite');
const DIGEST = '/settings digest channel:general schedule:"0 9 * * 1" timezone:Europe/Berlin';
/** Default log level (LOG_LEVEL empty counts as unset), jobs on. */
const jobsEnv = (prefix: string) => ({ JOBS_ENABLED: 'true', JOBS_PREFIX: prefix, REDIS_URL: SHARED_REDIS_URL, LOG_LEVEL: '' });
const jsonLines = (text: string) => text.split('\n').filter((line) => line.trimStart().startsWith('{'));

describe('the piped console with jobs on', () => {
  it('given Redis up, when a digest is set, then the scheduler is in Redis at exit and no JSON log', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const run = await runCli(['console'], `${DIGEST}\n/settings show\n`, { SQLITE_PATH: freshDb(), ...jobsEnv(prefix) });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('The digest posts to #general on schedule 0 9 * * 1 (Europe/Berlin).');
    expect(run.stdout).not.toMatch(/paused/i);
    expect(jsonLines(run.stdout)).toEqual([]);
    expect(jsonLines(run.stderr)).toEqual([]);
    expect(run.stderr).toBe('');

    const connection = new Redis(SHARED_REDIS_URL, { maxRetriesPerRequest: null });
    const queue = new Queue(digestQueueName('console'), { connection, prefix });
    try {
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.pattern, s.tz])).toEqual([['0 9 * * 1', 'Europe/Berlin']]);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });

  it('given no Redis, when the console starts, then after a bounded wait it says paused and exits 0', async () => {
    const prefix = randomPrefix();
    const deadRedis = `redis://127.0.0.1:${await freePort()}`;
    const run = await runCli(['console'], `${DIGEST}\n`, { SQLITE_PATH: freshDb(), ...jobsEnv(prefix), REDIS_URL: deadRedis, JOBS_STARTUP_WAIT_SECONDS: '1' });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/paused|can't be reached/i);
    expect(jsonLines(run.stderr)).toEqual([]);
    expect(run.stderr).toMatch(/^syllabot warning: Redis did not answer in time/m);
  });
});
