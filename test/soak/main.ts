import { parseArgs } from 'node:util';
import { DEFAULT_SOAK, formatSoak, percentile, runSoak } from './soak.ts';

/**
 * `npm run soak [-- --cycles 100 --members 60 --latency 150 --kill-min 1000 --kill-max 3000 --logs dir]`:
 * the issue-19 soak, printing how
 * many reminders arrived once, twice or never, and the delivery delay. Exits 1 on any repeat,
 * loss or disagreement. Needs redis-server on the PATH; starts its own on a free port.
 */
const { values } = parseArgs({
  options: {
    cycles: { type: 'string' },
    members: { type: 'string' },
    latency: { type: 'string' },
    lead: { type: 'string' },
    logs: { type: 'string' },
    'kill-min': { type: 'string' },
    'kill-max': { type: 'string' },
    'no-redis-restarts': { type: 'boolean' },
  },
});
const int = (text: string | undefined, fallback: number) => {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got "${text}"`);
  return n;
};
const options = {
  ...DEFAULT_SOAK,
  killCycles: int(values.cycles, DEFAULT_SOAK.killCycles),
  members: int(values.members, DEFAULT_SOAK.members),
  latencyMs: int(values.latency, DEFAULT_SOAK.latencyMs),
  killEveryMs: [int(values['kill-min'], DEFAULT_SOAK.killEveryMs[0]), int(values['kill-max'], DEFAULT_SOAK.killEveryMs[1])] as [number, number],
  leadMs: int(values.lead, DEFAULT_SOAK.leadMs / 1000) * 1000,
  redisRestarts: !values['no-redis-restarts'],
  logDir: values.logs,
  progress: (line: string) => console.error(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`),
};
const result = await runSoak(options);
console.log(formatSoak(result, options));
const all = result.tallies.flatMap((t) => t.delays);
console.log(`all platforms: delay p95 ${(percentile(all, 95) / 1000).toFixed(1)} s, max ${(Math.max(...all) / 1000).toFixed(1)} s`);
const bad = result.tallies.some((t) => t.twice > 0 || t.lost > 0 || t.disagreements.length > 0);
process.exit(bad ? 1 : 0);
