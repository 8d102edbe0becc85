import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import type { Worker } from 'node:worker_threads';
import type { DriverCommand, DriverSetup, FromDriver, SeriesTimes, ToDriver } from './adapters-protocol.ts';
import { progress, type Progress } from './lib/progress.ts';
import { startTsWorker } from './lib/ts-worker.ts';

export interface SeriesRun {
  times: SeriesTimes;
  /** Share of wall time this (the bot's) thread was busy while the measured requests went out. */
  busy: number;
  /** This thread's stalls meanwhile: how late a 10 ms timer fired (p99, max), and its GC pauses. */
  stalls: { loopDelayP99Ms: number; loopDelayMaxMs: number; gcPauses: number; gcTotalMs: number; gcMaxMs: number };
}

/** The bot thread's own view of a measured window: event-loop delay and garbage-collection pauses. */
class StallWatch {
  private readonly delay: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private readonly gc: number[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.gc.push(entry.duration);
  });

  constructor() {
    this.delay.enable();
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): SeriesRun['stalls'] {
    this.delay.disable();
    this.observer.disconnect();
    // The histogram counts from the 10 ms the timer was due: lateness is what exceeds it.
    const late = (ns: number) => Math.max(0, ns / 1e6 - 10);
    return {
      loopDelayP99Ms: late(this.delay.percentile(99)),
      loopDelayMaxMs: late(this.delay.max),
      gcPauses: this.gc.length,
      gcTotalMs: this.gc.reduce((sum, ms) => sum + ms, 0),
      gcMaxMs: Math.max(0, ...this.gc),
    };
  }
}

/** The bot thread's handle on the load generator (bench/adapters-driver.ts). */
export class Driver {
  /** Router series: run request i through the router, then call routed(i). */
  onRoute: (series: 'router-discord' | 'router-slack', i: number) => void = () => undefined;

  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private bar: Progress | undefined;
  private measuringSince: EventLoopUtilization | undefined;
  private measured: EventLoopUtilization | undefined;
  private stallWatch: StallWatch | undefined;
  private stalls: SeriesRun['stalls'] | undefined;
  private failed: Error | undefined;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: FromDriver) => this.receive(message));
    const fail = (error: Error) => {
      this.failed = error;
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the load generator thread exited (code ${code})`)));
  }

  static start(setup: DriverSetup): Driver {
    return new Driver(startTsWorker(new URL('./adapters-driver.ts', import.meta.url), { workerData: setup }));
  }

  call<T>(command: DriverCommand): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (value) => resolve(value as T), reject });
      this.send({ kind: 'call', id, command });
    });
  }

  async run(command: DriverCommand & { op: 'discord.run' | 'slack.run' | 'router.run' }, label: string, total: number): Promise<SeriesRun> {
    this.bar = progress(label, total);
    this.measuringSince = undefined;
    this.measured = undefined;
    this.stalls = undefined;
    try {
      const times = await this.call<SeriesTimes>(command);
      this.bar.done();
      return { times, ...this.window() };
    } finally {
      this.bar = undefined;
      this.stallWatch?.stop();
      this.stallWatch = undefined;
    }
  }

  /** Set by 'phase' messages while a series runs (hence not locals of run()). */
  private window(): Pick<SeriesRun, 'busy' | 'stalls'> {
    const none = { loopDelayP99Ms: Number.NaN, loopDelayMaxMs: Number.NaN, gcPauses: 0, gcTotalMs: 0, gcMaxMs: 0 };
    return { busy: this.measured?.utilization ?? Number.NaN, stalls: this.stalls ?? none };
  }

  routed(i: number): void {
    this.send({ kind: 'routed', i });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners('exit');
    await this.worker.terminate();
  }

  private send(message: ToDriver): void {
    this.worker.postMessage(message);
  }

  private receive(message: FromDriver): void {
    switch (message.kind) {
      case 'route':
        this.onRoute(message.series, message.i);
        return;
      case 'progress':
        this.bar?.update(message.done);
        return;
      case 'phase':
        if (message.phase === 'measuring') {
          this.measuringSince = performance.eventLoopUtilization();
          this.stallWatch = new StallWatch();
        } else if (this.measuringSince) {
          this.measured = performance.eventLoopUtilization(this.measuringSince);
          this.stalls = this.stallWatch?.stop();
          this.stallWatch = undefined;
        }
        return;
      case 'result': {
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(new Error(`load generator: ${message.error}`));
        return;
      }
    }
  }
}
