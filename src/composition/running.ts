import type { Core } from './app.ts';
import type { Logger } from '../ports/logger.ts';
import type { PlatformAdapter } from '../ports/platform.ts';
import type { OpenRateLimiter } from '../infra/rate-limit/open-rate-limiter.ts';
import type { HealthServer } from '../infra/health/health-server.ts';
import type { JobsRuntime } from '../../jobs/index.ts';

/** What this process runs, stopped in reverse order of start on a signal or at the end. */
export class Running {
  adapters: PlatformAdapter[] = [];
  jobs: JobsRuntime | null = null;
  rateLimits: OpenRateLimiter | null = null;
  health: HealthServer | null = null;
  dashboard: { stop(): Promise<void> } | null = null;
  private stopped = false;
  private release: (() => void) | undefined;
  private readonly done = new Promise<void>((resolve) => (this.release = resolve));

  constructor(
    private readonly logger: Logger,
    readonly core: Core,
  ) {}

  onSignals(): void {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        this.logger.info({ signal }, 'shutting down');
        this.release?.();
        void this.stop().then(() => process.exit(0));
      });
    }
  }

  untilStopped(): Promise<void> {
    return this.done;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    // First, so health checks see this process go rather than a half-stopped one.
    await this.health?.close().catch((err: unknown) => this.logger.warn({ err }, 'health endpoint did not close cleanly'));
    await this.dashboard?.stop().catch((err: unknown) => this.logger.warn({ err }, 'dashboard did not stop cleanly'));
    for (const adapter of [...this.adapters].reverse()) {
      await adapter.stop().catch((err: unknown) => this.logger.warn({ err, platform: adapter.platform }, 'adapter did not stop cleanly'));
    }
    await this.jobs?.stop().catch((err: unknown) => this.logger.warn({ err }, 'jobs did not stop cleanly'));
    await this.rateLimits?.close();
    await this.core.store.close();
  }
}
