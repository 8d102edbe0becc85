import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CommandObservation, CommandObserver, JobObserver, JobOutcome } from '../../ports/observer.ts';

/** One queue's jobs by state, as the jobs runtime reports them. */
export interface QueueDepthReading {
  queue: string;
  waiting: number;
  delayed: number;
  active: number;
}

export type DepthSource = () => Promise<readonly QueueDepthReading[]>;

/** Seconds; from a cached /help (a few ms) to a slow store or platform (seconds). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const DEPTH_STATES = ['waiting', 'delayed', 'active'] as const;

/**
 * This process's Prometheus metrics, in a registry of its own (not prom-client's global one, so
 * several cores in one test process keep apart). Commands and jobs report through the observer
 * ports; queue depths are read from Redis when scraped, not polled.
 */
export class SyllabotMetrics implements CommandObserver, JobObserver {
  readonly registry = new Registry();
  private readonly commands: Counter<'command' | 'platform' | 'outcome'>;
  private readonly durations: Histogram<'command' | 'platform'>;
  private readonly jobs: Counter<'queue' | 'outcome'>;
  private depthSource: DepthSource = async () => [];

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    this.commands = new Counter({
      name: 'syllabot_commands_total',
      help: 'Commands handled, by command id, platform and outcome (ok, form, user-error, rate-limited, unavailable, error).',
      labelNames: ['command', 'platform', 'outcome'],
      registers,
    });
    this.durations = new Histogram({
      name: 'syllabot_command_duration_seconds',
      help: 'Time from receiving a command to having its reply, in seconds.',
      labelNames: ['command', 'platform'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.jobs = new Counter({
      name: 'syllabot_jobs_total',
      help: 'Job attempts this process finished, by queue and outcome (completed, or failed and retried until its attempts run out).',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    const read = () => this.depthSource();
    new Gauge({
      name: 'syllabot_queue_jobs',
      help: 'Jobs in each queue by state (waiting, delayed, active), shared by every process on the Redis; read at scrape time.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        // Redis away: no samples rather than stale ones or a failed scrape.
        const depths = await read().catch(() => []);
        for (const depth of depths) {
          for (const state of DEPTH_STATES) this.set({ queue: depth.queue, state }, depth[state]);
        }
      },
    });
  }

  /** Where queue depths come from once the jobs run (they start after the core is built). */
  setDepthSource(source: DepthSource): void {
    this.depthSource = source;
  }

  onCommand(o: CommandObservation): void {
    this.commands.inc({ command: o.command, platform: o.platform, outcome: o.outcome });
    this.durations.observe({ command: o.command, platform: o.platform }, o.seconds);
  }

  onJob(o: { queue: string; outcome: JobOutcome }): void {
    this.jobs.inc({ queue: o.queue, outcome: o.outcome });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
