import { monitorEventLoopDelay, performance, PerformanceObserver, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';

/** How loaded one thread was over some windows of time, and how long it stalled. */
export interface ThreadLoad {
  /** Share of the windows' wall time the event loop was busy (event-loop utilization). */
  busy: number;
  /** The longest stall: how late a 10 ms timer fired at worst, in ms. */
  loopDelayMaxMs: number;
  gcPauses: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

const RESOLUTION_MS = 10;

/** Every GC pause of this thread, with when it started, so pauses can be attributed to windows. */
export class GcLog {
  private readonly pauses: { start: number; ms: number }[] = [];
  private readonly observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) this.pauses.push({ start: entry.startTime, ms: entry.duration });
  });

  constructor() {
    this.observer.observe({ entryTypes: ['gc'] });
  }

  within(windows: readonly (readonly [number, number])[]): number[] {
    return this.pauses.filter((p) => windows.some(([from, to]) => p.start >= from && p.start < to)).map((p) => p.ms);
  }

  close(): void {
    this.observer.disconnect();
  }
}

/**
 * Measures this thread over several windows (start/stop pairs): a series measured in turns
 * with others adds up its own turns only.
 */
export class ThreadMeter {
  private active = 0;
  private idle = 0;
  private since: EventLoopUtilization | undefined;
  /** One histogram per window: re-enabling one would count the gap between windows as a stall. */
  private delay: IntervalHistogram | undefined;
  private longestIntervalNs = Number.NaN;
  private readonly windows: [number, number][] = [];

  start(): void {
    if (this.since) return;
    this.since = performance.eventLoopUtilization();
    this.delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    this.delay.enable();
    this.windows.push([performance.now(), Number.POSITIVE_INFINITY]);
  }

  stop(): void {
    if (!this.since) return;
    const window = performance.eventLoopUtilization(this.since);
    this.active += window.active;
    this.idle += window.idle;
    this.since = undefined;
    if (this.delay) {
      this.delay.disable();
      if (this.delay.count > 0) this.longestIntervalNs = Math.max(this.delay.max, Number.isNaN(this.longestIntervalNs) ? 0 : this.longestIntervalNs);
      this.delay = undefined;
    }
    this.windows[this.windows.length - 1]![1] = performance.now();
  }

  load(gc: GcLog): ThreadLoad {
    this.stop();
    const pauses = gc.within(this.windows);
    return {
      busy: this.active + this.idle > 0 ? this.active / (this.active + this.idle) : Number.NaN,
      // The histogram records whole intervals (resolution + lateness); the lateness is the stall.
      loopDelayMaxMs: Math.max(0, this.longestIntervalNs / 1e6 - RESOLUTION_MS),
      gcPauses: pauses.length,
      gcTotalMs: pauses.reduce((sum, ms) => sum + ms, 0),
      gcMaxMs: Math.max(0, ...pauses),
    };
  }
}
