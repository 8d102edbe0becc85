/**
 * Runs one series of the jobs bench alone, optionally under the CPU profiler:
 *   node --import tsx bench/profile-jobs.ts [real|bare] [rounds] [profile.cpuprofile]
 * Prints jobs/s and the CPU of this process per job for each round of 5,000 jobs; with a file
 * name, writes a .cpuprofile of the last round (seeding and warm-up left out).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/composition/config.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { bareSeries, realSeries, removeKeys, seedReminders } from './jobs.ts';

const JOBS = 5_000;
const WARMUP = 500;
const which = process.argv[2] === 'bare' ? 'bare' : 'real';
const rounds = Number(process.argv[3] ?? 1);
const profileFile = process.argv[4];
const config = loadConfig({ LOG_LEVEL: 'silent', ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
const dir = mkdtempSync(join(tmpdir(), 'syllabot-profile-'));
const prefix = `profile-${process.pid}`;
const store = SqliteStore.open({ path: join(dir, 'jobs.sqlite') });
try {
  const planned = await seedReminders(store, WARMUP + rounds * JOBS);
  const series = which === 'bare' ? await bareSeries(config.REDIS_URL, prefix) : await realSeries(config, store, prefix);
  try {
    await series.run(planned.slice(0, WARMUP));
    for (let round = 0; round < rounds; round++) {
      const profiler = profileFile && round === rounds - 1 ? new Session() : undefined;
      if (profiler) {
        profiler.connect();
        await profiler.post('Profiler.enable');
        await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
        await profiler.post('Profiler.start');
      }
      const cpu = process.cpuUsage();
      const ms = await series.run(planned.slice(WARMUP + round * JOBS, WARMUP + (round + 1) * JOBS));
      const used = process.cpuUsage(cpu);
      if (profiler && profileFile) {
        const { profile } = await profiler.post('Profiler.stop');
        writeFileSync(profileFile, JSON.stringify(profile));
        profiler.disconnect();
      }
      process.stdout.write(`${which}: ${Math.round(JOBS / (ms / 1000))} jobs/s, ${(ms / JOBS).toFixed(3)} ms/job; CPU ${((used.user + used.system) / 1000 / JOBS).toFixed(3)} ms/job (system ${(used.system / 1000 / JOBS).toFixed(3)})\n`);
    }
  } finally {
    await series.stop();
  }
} finally {
  await store.close();
  await removeKeys(config.REDIS_URL, prefix);
  rmSync(dir, { recursive: true, force: true });
}
