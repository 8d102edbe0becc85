import type { BlockTimes, SeriesId } from './adapters-protocol.ts';
import { MIX, type PlannedCommand } from './core-plan.ts';
import { Latencies, round } from './lib/stats.ts';
import { formatNumber, table } from './lib/table.ts';
import type { ThreadCpu } from './lib/thread-cpu.ts';
import type { ThreadLoad } from './lib/thread-meter.ts';
import type { SectionReport } from './section.ts';

/** In the order of the tables. */
export const SERIES: readonly SeriesId[] = ['router-discord', 'discord', 'router-slack', 'slack'];

/** A record with one entry per series. */
export function bySeries<T>(make: (id: SeriesId) => T): Record<SeriesId, T> {
  return { 'router-discord': make('router-discord'), discord: make('discord'), 'router-slack': make('router-slack'), slack: make('slack') };
}

export interface SeriesResult {
  /** The measured requests, all turns together. */
  times: BlockTimes;
  /** The bot thread during this series' measured turns. */
  load: ThreadLoad;
  /**
   * The bot thread's time on a CPU and waiting for one over its measured turns, late answers
   * included (undefined off Linux): CPU per request moves far less with the machine's load than
   * latencies do, and the wait says how much other work held the thread back.
   */
  cpu: ThreadCpu | undefined;
  /** Errors and warnings the bot logged, answers the fake platform refused, router errors. */
  problems: number;
  problemSamples: string[];
  warmupUnanswered: number;
}

export interface AdapterRun {
  rate: number;
  measuredSeconds: number;
  turnSeconds: number;
  warmupSeconds: number;
  measured: number;
  /** The command of each measured request (the same list on every series). */
  commands: PlannedCommand[];
  distinctMembers: number;
  series: Record<SeriesId, SeriesResult>;
  /** Whether the adapters' database ended with the same rows as the router baseline's. */
  sameWrites: boolean;
  /** The machine's 1-minute load average when this part started, and its cores. */
  loadAtStart: number;
  cores: number;
}

/** Past this, the generator itself was starved: the machine, not only the bot, was overloaded. */
const BUSY_MACHINE_LAG_MS = 20;

const LABELS: Record<SeriesId, string> = {
  'router-discord': 'router, Discord-shaped requests',
  discord: 'Discord: discord.js on the fake gateway',
  'router-slack': 'router, Slack-shaped requests',
  slack: 'Slack: Bolt, signed HTTP requests',
};
const SHORT: Record<SeriesId, string> = { 'router-discord': 'router→D', discord: 'Discord', 'router-slack': 'router→S', slack: 'Slack' };
const isRouter = (id: SeriesId) => id === 'router-discord' || id === 'router-slack';

function latencies(values: Float64Array, pick?: (j: number) => boolean): Latencies {
  const out = new Latencies(values.length);
  values.forEach((v, j) => {
    if (!Number.isNaN(v) && (!pick || pick(j))) out.add(v);
  });
  return out;
}

const p = (l: Latencies, q: number) => round(l.percentile(q), 3);
const pct = (share: number) => (Number.isFinite(share) ? `${Math.round(share * 100)}%` : '—');
const ms = (value: number) => (Number.isFinite(value) ? `${formatNumber(round(value, 3))} ms` : '—');
const signed = (ms: number) => `${ms >= 0 ? '+' : ''}${formatNumber(round(ms, 3))} ms`;

interface Figures {
  /** Bot-thread CPU ms per answered request, and ms it waited for a CPU per answered request. */
  cpuMs: number;
  waitMs: number;
  /** The generator thread's CPU ms per answered request (the fake platform's and members' work). */
  generatorCpuMs: number;
  sent: number;
  answered: number;
  achievedPerS: number;
  ack: Latencies;
  reply: Latencies;
  lag: Latencies;
}

function figuresOf(r: SeriesResult): Figures {
  const reply = latencies(r.times.replyMs);
  return {
    cpuMs: r.cpu && reply.size > 0 ? r.cpu.cpuMs / reply.size : Number.NaN,
    waitMs: r.cpu && reply.size > 0 ? r.cpu.waitMs / reply.size : Number.NaN,
    generatorCpuMs: r.times.generatorCpu && reply.size > 0 ? r.times.generatorCpu.cpuMs / reply.size : Number.NaN,
    sent: r.times.replyMs.length,
    answered: reply.size,
    achievedPerS: reply.size / (r.times.windowMs / 1000),
    ack: latencies(r.times.ackMs),
    reply,
    lag: latencies(r.times.lagMs),
  };
}

export function reportAdapters(run: AdapterRun): SectionReport {
  const { series: s } = run;
  const f = bySeries((id) => figuresOf(s[id]));
  const routerAll = latencies(Float64Array.from([...s['router-discord'].times.replyMs, ...s['router-slack'].times.replyMs]));
  const overhead = (platform: 'discord' | 'slack', q: number) => p(f[platform].reply, q) - p(f[platform === 'discord' ? 'router-discord' : 'router-slack'].reply, q);
  const lag = latencies(Float64Array.from(SERIES.flatMap((id) => [...s[id].times.lagMs])));
  const commands = Object.keys(MIX) as PlannedCommand[];
  const byCommand = (id: SeriesId, c: PlannedCommand) => latencies(s[id].times.replyMs, (j) => run.commands[j] === c);

  const lines = [
    `Part 4: adapters, ${run.rate} requests/s, open loop (sent on a fixed timetable whatever the answers); ${run.measuredSeconds} s per series in turns of ${run.turnSeconds} s ` +
      `(order rotating each round) after a ${run.warmupSeconds} s warm-up turn each; both adapters up at once, as \`syllabot start\` runs them`,
    `The same ${run.measured.toLocaleString('en-US')} requests (${Object.entries(MIX).map(([c, w]) => `${w}% /${c}`).join(', ')}) from ${run.distinctMembers} distinct members on each platform; ` +
      `a real core on a SQLite file (WAL) seeded as in part 1; fake platforms and load generator in their own thread; load ${round(run.loadAtStart, 2)} when this part started`,
    '',
    ...table(
      [
        { header: 'series', align: 'left' },
        { header: 'sent' },
        { header: 'answered' },
        { header: 'achieved/s' },
        { header: 'ack p50' },
        { header: 'reply p50' },
        { header: 'reply p99' },
        { header: 'reply max' },
        { header: 'bot thread busy' },
        { header: 'CPU/request' },
        { header: 'waited/request' },
        { header: 'problems' },
      ],
      SERIES.map((id) => [
        LABELS[id],
        f[id].sent,
        f[id].answered,
        round(f[id].achievedPerS, 1),
        isRouter(id) ? '—' : p(f[id].ack, 50),
        p(f[id].reply, 50),
        p(f[id].reply, 99),
        p(f[id].reply, 100),
        pct(s[id].load.busy),
        ms(f[id].cpuMs),
        ms(f[id].waitMs),
        s[id].problems,
      ]),
    ),
    'ms from the request leaving the load generator to the reply reaching it (Discord: the interaction callback, or the edit after a deferral, at the fake REST API; ' +
      'Slack: the post to response_url; router: the result back over a MessagePort); CPU/request: the bot thread on a CPU per answered request, ' +
      'waited/request: runnable but waiting for a CPU other threads and processes held (Linux schedstat; the generator thread is not counted)',
    `adapter overhead at p50: Discord ${signed(overhead('discord', 50))}, Slack ${signed(overhead('slack', 50))}; ` +
      `at p99: Discord ${signed(overhead('discord', 99))}, Slack ${signed(overhead('slack', 99))} (reply minus the router's on the same requests)`,
    `Slack acknowledges with HTTP 200 at p50 ${formatNumber(p(f.slack.ack, 50))} ms, p99 ${formatNumber(p(f.slack.ack, 99))} ms (Slack allows 3,000); ` +
      `Discord deferred ${s.discord.times.deferred} of ${run.measured.toLocaleString('en-US')} interactions; ` +
      `the generator sent at most ${formatNumber(p(lag, 100))} ms late (p99 ${formatNumber(p(lag, 99))} ms)`,
    `the generator thread (fake platforms and members, on the same cores) used per request: ${SERIES.map((id) => `${SHORT[id]} ${ms(f[id].generatorCpuMs)}`).join(', ')}`,
    `bot thread stalls (longest event-loop delay; GC pauses: total / longest ms): ${SERIES.map(
      (id) => `${SHORT[id]} ${formatNumber(round(s[id].load.loopDelayMaxMs, 1))} ms; ${s[id].load.gcPauses} GC ${formatNumber(round(s[id].load.gcTotalMs, 1))} / ${formatNumber(round(s[id].load.gcMaxMs, 1))}`,
    ).join(' | ')}`,
    '',
    ...table(
      [
        { header: 'command', align: 'left' },
        { header: 'share' },
        { header: 'router→D p50' },
        { header: 'Discord p50' },
        { header: 'Discord p99' },
        { header: 'router→S p50' },
        { header: 'Slack p50' },
        { header: 'Slack p99' },
      ],
      commands.map((c) => [
        `/${c}`,
        pct(run.commands.filter((x) => x === c).length / run.measured),
        p(byCommand('router-discord', c), 50),
        p(byCommand('discord', c), 50),
        p(byCommand('discord', c), 99),
        p(byCommand('router-slack', c), 50),
        p(byCommand('slack', c), 50),
        p(byCommand('slack', c), 99),
      ]),
    ),
  ];
  for (const id of SERIES) {
    const r = s[id];
    if (r.problems > 0 || r.warmupUnanswered > 0 || f[id].answered < f[id].sent) {
      lines.push(
        `WARNING ${LABELS[id]}: ${f[id].sent - f[id].answered} unanswered, ${r.problems} problems, ${r.warmupUnanswered} warm-up requests unanswered` +
          `${r.problemSamples.length > 0 ? `; e.g. ${r.problemSamples.slice(0, 3).join(' | ')}` : ''}`,
      );
    }
  }
  if (!run.sameWrites) lines.push('NOTE: the adapters and the router baseline did not leave the same rows behind.');
  if (p(lag, 99) > BUSY_MACHINE_LAG_MS || run.loadAtStart > run.cores) {
    lines.push(
      `NOTE: the machine was busy (load ${round(run.loadAtStart, 2)} on ${run.cores} cores at the start, generator p99 lag ${formatNumber(p(lag, 99))} ms): ` +
        'the tails (p99, max) show its stalls more than the bot; compare p50s, or rerun on a quiet machine.',
    );
  }

  const detail = (id: SeriesId) => ({
    sent: f[id].sent,
    answered: f[id].answered,
    achieved_per_s: round(f[id].achievedPerS, 1),
    ...(isRouter(id) ? {} : { ack_p50_ms: p(f[id].ack, 50), ack_p99_ms: p(f[id].ack, 99) }),
    reply_p50_ms: p(f[id].reply, 50),
    reply_p99_ms: p(f[id].reply, 99),
    reply_max_ms: p(f[id].reply, 100),
    busy: round(s[id].load.busy, 3),
    cpu_ms_per_request: round(f[id].cpuMs, 4),
    cpu_wait_ms_per_request: round(f[id].waitMs, 4),
    generator_cpu_ms_per_request: round(f[id].generatorCpuMs, 4),
    loop_delay_max_ms: round(s[id].load.loopDelayMaxMs, 3),
    gc_pauses: s[id].load.gcPauses,
    gc_total_ms: round(s[id].load.gcTotalMs, 3),
    gc_max_ms: round(s[id].load.gcMaxMs, 3),
    generator_lag_p99_ms: p(f[id].lag, 99),
    generator_lag_max_ms: p(f[id].lag, 100),
    problems: s[id].problems,
  });
  return {
    lines,
    figures: {
      adapters_rate_per_s: run.rate,
      adapters_seconds: run.measuredSeconds,
      adapters_requests: run.measured,
      adapters_load_avg_1m: round(run.loadAtStart, 2),
      router_p50_ms: p(routerAll, 50),
      router_p99_ms: p(routerAll, 99),
      router_max_ms: p(routerAll, 100),
      router_discord_p50_ms: p(f['router-discord'].reply, 50),
      router_discord_p99_ms: p(f['router-discord'].reply, 99),
      router_slack_p50_ms: p(f['router-slack'].reply, 50),
      router_slack_p99_ms: p(f['router-slack'].reply, 99),
      discord_sent: f.discord.sent,
      discord_answered: f.discord.answered,
      discord_reply_p50_ms: p(f.discord.reply, 50),
      discord_reply_p99_ms: p(f.discord.reply, 99),
      discord_reply_max_ms: p(f.discord.reply, 100),
      discord_achieved_per_s: round(f.discord.achievedPerS, 1),
      discord_deferred: s.discord.times.deferred,
      slack_sent: f.slack.sent,
      slack_answered: f.slack.answered,
      slack_ack_p50_ms: p(f.slack.ack, 50),
      slack_ack_p99_ms: p(f.slack.ack, 99),
      slack_reply_p50_ms: p(f.slack.reply, 50),
      slack_reply_p99_ms: p(f.slack.reply, 99),
      slack_reply_max_ms: p(f.slack.reply, 100),
      slack_achieved_per_s: round(f.slack.achievedPerS, 1),
      discord_cpu_ms_per_request: round(f.discord.cpuMs, 4),
      slack_cpu_ms_per_request: round(f.slack.cpuMs, 4),
      router_slack_cpu_ms_per_request: round(f['router-slack'].cpuMs, 4),
      router_discord_cpu_ms_per_request: round(f['router-discord'].cpuMs, 4),
      discord_overhead_p50_ms: round(overhead('discord', 50), 3),
      slack_overhead_p50_ms: round(overhead('slack', 50), 3),
      // The larger of the two: what an adapter adds at the median, at most.
      adapter_overhead_p50_ms: round(Math.max(overhead('discord', 50), overhead('slack', 50)), 3),
      discord_overhead_p99_ms: round(overhead('discord', 99), 3),
      slack_overhead_p99_ms: round(overhead('slack', 99), 3),
      adapters_generator_max_lag_ms: p(lag, 100),
      adapters_problems: SERIES.reduce((sum, id) => sum + s[id].problems, 0),
      adapters_same_writes: run.sameWrites,
      adapters_by_series: Object.fromEntries(SERIES.map((id) => [id, detail(id)])),
    },
  };
}
