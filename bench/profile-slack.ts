/**
 * Part 4's Slack series alone, for profiling the Bolt path: the real Slack adapter on a seeded
 * SQLite core, the load generator and the fake Slack in their worker thread (as bench/adapters.ts
 * runs them), one warm-up block and one measured block at a steady rate.
 *
 *   node --import tsx bench/profile-slack.ts [rate=500] [seconds=10] [out.cpuprofile]
 *     WARMUP=<requests>  the warm-up block (1,000, as part 4 at 500/s; 3,000 has every member's
 *                        users.info cached, leaving the steady state)
 *     FLOOR=bare|router  instead of the adapter, a bare node:http server doing what any Slack app
 *                        must (read, check the signature, ack, post JSON to response_url), with
 *                        or without the router: the floor the adapter is compared with
 *
 * With a file name, the bot thread's CPU profile of the measured block alone goes there, and
 * beside it (.heapprofile) where that block allocated (garbage included). Prints the latencies
 * and CPU per request of the bot thread and of the generator thread (Linux schedstat, per
 * thread), and the router alone on the same requests, one at a time, before and after: its CPU
 * moves with the machine's contention as the adapter's does, so adapter ÷ router compares runs
 * made at different loads.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Agent, createServer, request } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../src/composition/app.ts';
import { slackAdapterConfig } from '../src/composition/adapter-config.ts';
import { loadConfig, type Config } from '../src/composition/config.ts';
import type { CommandRequest } from '../src/core/router.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { createSlackAdapter } from '../adapters/slack/index.ts';
import { Driver } from './adapters-driver-client.ts';
import { planAdapterRequests } from './adapters-plan.ts';
import type { SlackEndpoint } from './adapters-protocol.ts';
import { BENCH_COMMUNITY, seedCommunity } from './fixtures/community.ts';
import { seedSnapshots } from './fixtures/snapshots.ts';
import { countingLogger } from './lib/counting-logger.ts';
import { Latencies, round } from './lib/stats.ts';
import { threadCpu, threadCpuSince } from './lib/thread-cpu.ts';
import { GcLog, ThreadMeter } from './lib/thread-meter.ts';

const rate = Number(process.argv[2] ?? 500);
const seconds = Number(process.argv[3] ?? 10);
const profileTo = process.argv[4];
const WARMUP = Number(process.env['WARMUP'] ?? 1000);
const FLOOR = process.env['FLOOR'];
const MEASURED = rate * seconds;
const TEAM = { id: 'T0BENCH001', name: 'Bench Workspace', domain: 'bench' };
const GUILD = { id: '1200000000000000001', name: 'Bench Guild', locale: 'en-US' };
const SLACK_BOT_TOKEN = 'xoxb-bench-bot-token';
const SLACK_SIGNING_SECRET = 'bench-signing-secret-0123456789abcdef';

if (!threadCpu()) throw new Error('bench/profile-slack.ts reads /proc/thread-self/schedstat (Linux)');
const cpuMs = () => threadCpu()!.cpuMs;

/** What any Node Slack app does per slash command, without Bolt: the floor of the adapter. */
async function floorServer(core: Core | undefined, requests: CommandRequest[]): Promise<{ port: number; close: () => Promise<void> }> {
  const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const want = Buffer.from(`v0=${createHmac('sha256', SLACK_SIGNING_SECRET).update(`v0:${String(req.headers['x-slack-request-timestamp'])}:${raw}`).digest('hex')}`);
      const got = Buffer.from(String(req.headers['x-slack-signature']));
      if (want.length !== got.length || !timingSafeEqual(want, got)) {
        res.writeHead(401).end();
        return;
      }
      res.writeHead(200).end();
      const url = new URLSearchParams(raw).get('response_url') ?? '';
      const i = Number(/(\d+)$/.exec(url)?.[1]);
      void (async () => {
        const result = core ? await core.router.handle(requests[i]!) : undefined;
        const text = result ? JSON.stringify(result.reply).slice(0, 2900) : 'ok';
        const body = JSON.stringify({ response_type: 'ephemeral', text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
        request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => r.resume()).end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      agent.destroy();
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'syllabot-profile-slack-'));
const cleanup: (() => Promise<void> | void)[] = [() => rmSync(dir, { recursive: true, force: true })];
try {
  const seedPath = join(dir, 'seed.sqlite');
  const seedStore = SqliteStore.open({ path: seedPath });
  const discord = await seedCommunity(seedStore, BENCH_COMMUNITY, { ref: { platform: 'discord', externalId: GUILD.id, name: GUILD.name }, memberId: (i) => `1${String(i).padStart(17, '0')}` });
  const slack = await seedCommunity(seedStore, BENCH_COMMUNITY, { ref: { platform: 'slack', externalId: TEAM.id, name: TEAM.name }, memberId: (i) => `U${String(100_000 + i)}` });
  await seedSnapshots(seedStore, slack);
  await seedStore.close();
  const botPath = join(dir, 'bot.sqlite');
  const routerPath = join(dir, 'router.sqlite');
  copyFileSync(seedPath, botPath);
  copyFileSync(seedPath, routerPath);
  const plan = planAdapterRequests({ discord: { seeded: discord, guild: GUILD }, slack: { seeded: slack, team: TEAM } }, WARMUP, MEASURED, 23);

  const logger = countingLogger();
  const store = SqliteStore.open({ path: botPath });
  cleanup.push(() => store.close());
  const core = createCore({ store, logger, config: { BAYES_PRIOR_WEIGHT: 5 } });
  const routerStore = SqliteStore.open({ path: routerPath });
  cleanup.push(() => routerStore.close());
  const routerCore = createCore({ store: routerStore, logger, config: { BAYES_PRIOR_WEIGHT: 5 } });
  const routerCpuPerRequest = async (from: number, to: number): Promise<number> => {
    const before = cpuMs();
    for (let i = from; i < to; i++) await routerCore.router.handle(plan.routerSlack[i]!);
    return (cpuMs() - before) / (to - from);
  };
  await routerCpuPerRequest(0, WARMUP);

  const driver = Driver.start({
    ratePerS: rate,
    drainMs: 10_000,
    discord: { guild: GUILD, calls: [] },
    slack: { team: TEAM, botToken: SLACK_BOT_TOKEN, signingSecret: SLACK_SIGNING_SECRET, users: plan.slackUsers, calls: plan.slackCalls },
  });
  cleanup.push(() => driver.close());
  const endpoint = await driver.call<SlackEndpoint>({ op: 'slack.start' });
  cleanup.push(async () => {
    await driver.call({ op: 'slack.stop' });
  });
  let appPort: number | undefined;
  if (FLOOR) {
    const floor = await floorServer(FLOOR === 'router' ? core : undefined, plan.routerSlack);
    cleanup.push(floor.close);
    appPort = floor.port;
  } else {
    const config: Config = { ...loadConfig({ SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL: endpoint.apiUrl, JOBS_ENABLED: 'false', LOG_LEVEL: 'silent' }), SLACK_PORT: 0 };
    const adapter = createSlackAdapter(slackAdapterConfig({ core, config, logger }));
    await adapter.start();
    cleanup.push(() => adapter.stop());
    appPort = adapter.port();
  }
  if (appPort === undefined) throw new Error('the Slack adapter is not listening');
  await driver.call({ op: 'slack.connect', appPort });
  await driver.block({ series: 'slack', from: 0, to: WARMUP });

  const gc = new GcLog();
  cleanup.push(() => gc.close());
  const meter = new ThreadMeter();
  const loadBefore = loadavg()[0] ?? Number.NaN;
  const routerBefore = await routerCpuPerRequest(WARMUP, WARMUP + MEASURED / 2);
  const session = profileTo ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 500 });
    await session.post('Profiler.start');
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  }
  const cpuBefore = threadCpu();
  const times = await driver.block({ series: 'slack', from: WARMUP, to: WARMUP + MEASURED }, meter);
  const used = threadCpuSince(cpuBefore)!;
  if (session && profileTo) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileTo, JSON.stringify(profile));
    const { profile: heap } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(`${profileTo.replace(/\.cpuprofile$/, '')}.heapprofile`, JSON.stringify(heap));
    session.disconnect();
  }
  const load = meter.load(gc);
  const routerCpu = (routerBefore + (await routerCpuPerRequest(WARMUP + MEASURED / 2, WARMUP + MEASURED))) / 2;

  const reply = new Latencies(MEASURED);
  const ack = new Latencies(MEASURED);
  for (const v of times.replyMs) if (!Number.isNaN(v)) reply.add(v);
  for (const v of times.ackMs) if (!Number.isNaN(v)) ack.add(v);
  const n = reply.size;
  const pct = (x: Latencies, q: number) => round(x.percentile(q), 2);
  const problems = logger.counts.warn + logger.counts.error + times.failures;
  process.stdout.write(
    [
      `${FLOOR ? `floor (${FLOOR})` : 'Slack adapter'} at ${rate}/s, load ${round(loadBefore, 2)} → ${round(loadavg()[0] ?? Number.NaN, 2)}: answered ${n}/${MEASURED}`,
      `  ack p50 ${pct(ack, 50)} p99 ${pct(ack, 99)} ms; reply p50 ${pct(reply, 50)} p99 ${pct(reply, 99)} max ${pct(reply, 100)} ms`,
      `  bot thread: ${round(used.cpuMs / n, 3)} ms CPU and ${round(used.waitMs / n, 3)} ms waiting for a CPU per request; router alone ${round(routerCpu, 3)} ms CPU (adapter ÷ router ${round(used.cpuMs / n / routerCpu, 2)})`,
      `  generator thread: ${times.generatorCpu ? round(times.generatorCpu.cpuMs / n, 3) : '?'} ms CPU per request`,
      `  busy ${Math.round(load.busy * 100)}%, longest stall ${round(load.loopDelayMaxMs, 1)} ms, GC ${load.gcPauses} pauses ${round(load.gcTotalMs, 1)} ms (longest ${round(load.gcMaxMs, 1)})`,
      `  problems ${problems}${[...logger.samples, ...times.failureSamples].slice(0, 2).map((s) => `; ${s.slice(0, 200)}`).join('')}`,
      '',
    ].join('\n'),
  );
} finally {
  for (const undo of cleanup.reverse()) await undo();
}
