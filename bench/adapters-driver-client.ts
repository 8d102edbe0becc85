import type { Worker } from 'node:worker_threads';
import type { Block, BlockTimes, DriverCommand, DriverSetup, FromDriver, RouterSeries, ToDriver } from './adapters-protocol.ts';
import type { ThreadMeter } from './lib/thread-meter.ts';
import { startTsWorker } from './lib/ts-worker.ts';

/** The bot thread's handle on the load generator (bench/adapters-driver.ts). */
export class Driver {
  /** Router series: run request i through the router, then call routed(series, i). */
  onRoute: (series: RouterSeries, i: number) => void = () => undefined;
  /** Requests sent so far in the current block. */
  onProgress: (sent: number) => void = () => undefined;

  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private meter: ThreadMeter | undefined;
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

  /** Runs one block; `meter` (if given) measures this thread while the block's requests go out. */
  async block(block: Block, meter?: ThreadMeter): Promise<BlockTimes> {
    this.meter = meter;
    try {
      return await this.call<BlockTimes>({ op: 'block', ...block });
    } finally {
      meter?.stop();
      this.meter = undefined;
    }
  }

  routed(series: RouterSeries, i: number): void {
    this.send({ kind: 'routed', series, i });
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
        this.onProgress(message.sent);
        return;
      case 'phase':
        if (message.phase === 'sending') this.meter?.start();
        else this.meter?.stop();
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
