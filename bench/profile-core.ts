/**
 * Runs only the router series of the core bench, for `node --cpu-prof`:
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/profile-core.ts [requests] [raw]
 * Prints ops/s and CPU per op; read the profile with any .cpuprofile viewer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../src/composition/app.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { silentLogger } from '../src/ports/logger.ts';
import { RequestPlanner } from './core-plan.ts';
import { runRaw } from './core-raw.ts';
import { toRequest } from './core-requests.ts';
import { seedCommunity } from './fixtures/community.ts';
import { seedSnapshots } from './fixtures/snapshots.ts';

const count = Number(process.argv[2] ?? 20_000);
const raw = process.argv[3] === 'raw';
const dir = mkdtempSync(join(tmpdir(), 'syllabot-profile-'));
const store = SqliteStore.open({ path: join(dir, 'core.sqlite') });
try {
  const seeded = await seedCommunity(store);
  await seedSnapshots(store, seeded);
  const core = createCore({ store, logger: silentLogger, config: { BAYES_PRIOR_WEIGHT: 5 } });
  const ops = new RequestPlanner(seeded, 11).plan(count);
  const requests = ops.map((op) => toRequest(op, seeded));
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    if (raw) await runRaw(store, seeded, ops[i]!, 5);
    else await core.router.handle(requests[i]!);
  }
  const used = process.cpuUsage(cpu);
  const wall = performance.now() - started;
  process.stdout.write(`${raw ? 'raw' : 'core'}: ${Math.round(count / (wall / 1000))} ops/s, ${((used.user + used.system) / 1000 / count).toFixed(3)} ms CPU/op\n`);
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
