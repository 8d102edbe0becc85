import type { Redis } from 'ioredis';
import type { Core } from '../src/core/facade.ts';
import type { DomainEvent, PublishOutcome } from '../src/ports/events.ts';
import type { Logger } from '../src/ports/logger.ts';
import { ignoreJobs, type JobObserver } from '../src/ports/observer.ts';
import type { BackgroundState } from '../src/ports/services.ts';
import { PLATFORMS } from '../src/domain/model.ts';
import { describeUrl } from '../src/infra/logger.ts';
import type { JobsOptions } from './options.ts';
import { producerConnection, RedisHealth, workerConnection } from './redis.ts';
import { digestQueueName, Queues, RECOMPUTE_QUEUE, reminderQueueName } from './queues.ts';
import { DeliveryLog } from './delivery-log.ts';
import { withTimeout } from './deliver.ts';
import { ReminderScheduler } from './reminders.ts';
import { reminderProcessor } from './reminder-processor.ts';
import { DigestScheduler, digestProcessor } from './digests.ts';
import { DailyHistory, recomputeProcessor, RecomputeScheduler } from './recompute.ts';
import { MAINTENANCE_QUEUE, maintenanceProcessor, MaintenanceScheduler } from './maintenance.ts';
import { cohortProcessor, cohortQueueName, CohortScheduler } from './cohorts.ts';
import { WorkerPool } from './workers.ts';
import { Reconciler, type ReconcileReport } from './reconcile.ts';
import { EventScheduling } from './event-scheduling.ts';
import { RepairTimer } from './repair-timer.ts';

export type { ReconcileReport } from './reconcile.ts';

export type JobsRole = 'all' | 'worker';

export interface JobsServiceDeps {
  core: Core;
  redisUrl: string;
  priorWeight: number;
  logger: Logger;
  role: JobsRole;
  options: JobsOptions;
  observer?: JobObserver;
}

/** How many jobs of one queue wait (ready now), are delayed (due later) and are running. */
export interface QueueDepth {
  queue: string;
  waiting: number;
  delayed: number;
  active: number;
}

/** Every queue any process may use: depths are global, so each process reports them all. */
const ALL_QUEUES = [RECOMPUTE_QUEUE, MAINTENANCE_QUEUE, ...PLATFORMS.flatMap((p) => [reminderQueueName(p), digestQueueName(p), cohortQueueName(p)])];
/** A scrape must not hang on a Redis that is slow to answer. */
const DEPTH_TIMEOUT_MS = 2_000;

const CONCURRENCY = { reminders: 5, digests: 2, recompute: 1, cohorts: 1 } as const;

/**
 * The jobs of one process. It never blocks start-up or a command on Redis: while Redis is away
 * it reports `paused`, skips scheduling (commands still answer), and when Redis answers again
 * it re-creates from the store whatever should be queued (reconcile), so nothing scheduled in
 * the meantime is lost.
 */
export class JobsService {
  readonly queues: Queues;
  readonly deliveries: DeliveryLog;
  private readonly producer: Redis;
  private readonly workerRedis: Redis;
  private readonly health: RedisHealth;
  private readonly reminders: ReminderScheduler;
  private readonly digests: DigestScheduler;
  private readonly recompute: RecomputeScheduler;
  private readonly maintenance: MaintenanceScheduler;
  private readonly cohorts: CohortScheduler;
  private readonly workers: WorkerPool;
  private readonly reconciler: Reconciler;
  private readonly events: EventScheduling;
  private readonly repair: RepairTimer;
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private setup: Promise<void> = Promise.resolve();
  private stopping = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Scheduling started by commands and not yet in Redis: shutdown waits for it. */
  private readonly scheduling = new Set<Promise<void>>();
  private answered: (() => void) | undefined;
  /** Resolves the first time Redis answers. */
  private readonly firstAnswer = new Promise<void>((resolve) => (this.answered = resolve));

  constructor(private readonly deps: JobsServiceDeps) {
    const { core, options } = deps;
    this.logger = deps.logger.child({ component: 'jobs' });
    this.producer = producerConnection(deps.redisUrl, options.reconnectMaxDelayMs);
    this.workerRedis = workerConnection(deps.redisUrl, options.reconnectMaxDelayMs);
    // The worker connection's errors mirror the producer's, which the health watcher reports.
    this.workerRedis.on('error', (err: Error) => this.logger.debug({ err }, 'Redis worker connection error'));
    this.queues = new Queues(this.producer, options.prefix, (err, queue) => this.quietError(err, { queue }));
    const now = () => core.clock.now();
    this.deliveries = new DeliveryLog(core.store.deliveries, now, options.deliveryLeaseMs);
    this.reminders = new ReminderScheduler(this.queues, now);
    this.digests = new DigestScheduler(this.queues, this.logger);
    this.recompute = new RecomputeScheduler(this.queues, options.recomputeEveryMs, options.recomputeDebounceMs);
    this.maintenance = new MaintenanceScheduler(this.queues, options);
    this.cohorts = new CohortScheduler(this.queues, options.cohortRetryDelayMs);
    this.workers = new WorkerPool({
      connection: this.workerRedis,
      queues: this.queues,
      options,
      logger: this.logger,
      observer: deps.observer ?? ignoreJobs,
      quietError: (err, context) => this.quietError(err, context),
    });
    const schedulers = { reminders: this.reminders, digests: this.digests, logger: this.logger, options, clock: core.clock };
    this.events = new EventScheduling({ ...schedulers, store: core.store, recompute: this.recompute, cohorts: this.cohorts });
    this.reconciler = new Reconciler({
      ...schedulers,
      store: core.store,
      cohorts: this.cohorts,
      queues: this.queues,
      deliveries: this.deliveries,
      platforms: () => core.messengers.platforms,
      stopping: () => this.stopping,
    });
    this.repair = new RepairTimer(
      options.repairDelayMs,
      () => !this.stopping && this.health.state === 'up',
      (since) => (this.setup = this.setup.then(() => this.afterConnect(since))),
    );
    this.setState('paused');
    this.health = new RedisHealth(this.producer, describeUrl(deps.redisUrl), this.logger, now, {
      up: (downSince) => this.onRedisUp(downSince),
      down: () => this.setState('paused'),
    });
  }

  /** Starts the workers (and, in role `all`, the event listener); returns without waiting for Redis. */
  start(): this {
    const { core, role } = this.deps;
    const history = new DailyHistory(this.deps.priorWeight);
    this.workers.start(
      RECOMPUTE_QUEUE,
      recomputeProcessor({ store: core.store, clock: core.clock, logger: this.logger, scheduler: this.recompute, history, retentionDays: this.deps.options.historyRetentionDays }),
      CONCURRENCY.recompute,
    );
    this.workers.start(MAINTENANCE_QUEUE, maintenanceProcessor({ store: core.store, clock: core.clock, logger: this.logger, settings: this.deps.options }), 1);
    const deliver = { log: this.deliveries, sendTimeoutMs: this.deps.options.sendTimeoutMs, logger: this.logger };
    // Only platforms this process can deliver to: the other queues are left to processes that can.
    for (const platform of core.messengers.platforms) {
      this.workers.start(
        reminderQueueName(platform),
        reminderProcessor({ ...deliver, store: core.store, catalog: core.catalog, messenger: core.messengers, clock: core.clock }),
        CONCURRENCY.reminders,
      );
      this.workers.start(
        digestQueueName(platform),
        digestProcessor({ ...deliver, store: core.store, catalog: core.catalog, messenger: core.messengers, priorWeight: this.deps.priorWeight }),
        CONCURRENCY.digests,
      );
    }
    // Course roles: one queue per platform this process serves and whose roles it reaches (a
    // worker process has messengers but no adapter, so it leaves these to the bot processes).
    for (const platform of core.access.platforms.filter((p) => core.messengers.platforms.includes(p))) {
      this.workers.start(
        cohortQueueName(platform),
        cohortProcessor({ store: core.store, access: core.access, clock: core.clock, logger: this.logger, stopping: () => this.stopping }),
        CONCURRENCY.cohorts,
      );
    }
    if (role === 'all') this.unsubscribe = core.events.subscribe((event) => this.onEvent(event));
    if (core.messengers.platforms.length > 0) this.scheduleStallSweep();
    this.logger.info(
      { role, redis: describeUrl(this.deps.redisUrl), prefix: this.deps.options.prefix, queues: this.workers.names },
      core.messengers.platforms.length === 0 ? 'jobs started: recomputes only (no messenger in this process, so no reminders or digests here)' : 'jobs started',
    );
    return this;
  }

  /** Resolves when the set-up or reconcile in progress (if any) has finished. */
  settled(): Promise<void> {
    return this.setup;
  }

  /**
   * Waits until Redis has answered and the first set-up (recompute schedule, reconcile) is done,
   * or `timeoutMs` has passed; says whether Redis answered. Start-up calls it before any
   * adapter takes commands, so a first command never finds the jobs "paused" while Redis is up.
   */
  async whenReady(timeoutMs: number): Promise<boolean> {
    const ready = this.firstAnswer.then(() => this.setup);
    return withTimeout(ready, timeoutMs, 'Redis did not answer in time').then(
      () => true,
      () => this.health.state === 'up',
    );
  }

  get redisState(): 'up' | 'down' {
    return this.health.state;
  }

  async depths(): Promise<QueueDepth[]> {
    if (this.stopping || this.health.state !== 'up') return [];
    const count = async (queue: string): Promise<QueueDepth> => {
      const counts = await this.queues.get(queue).getJobCounts('waiting', 'prioritized', 'delayed', 'active');
      return { queue, waiting: (counts.waiting ?? 0) + (counts.prioritized ?? 0), delayed: counts.delayed ?? 0, active: counts.active ?? 0 };
    };
    return withTimeout(Promise.all(ALL_QUEUES.map(count)), DEPTH_TIMEOUT_MS, 'queue depths took too long');
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.unsubscribe?.();
    this.repair.stop();
    clearTimeout(this.sweepTimer);
    const { closeTimeoutMs } = this.deps.options;
    // What commands scheduled reaches Redis before the connections close (a piped console's
    // last line, a digest set just before SIGTERM).
    if (this.scheduling.size > 0) {
      this.logger.info({ pending: this.scheduling.size }, 'waiting for scheduling to reach Redis before stopping');
      await withTimeout(Promise.allSettled([...this.scheduling]), closeTimeoutMs, 'scheduling did not finish in time').catch(() =>
        this.logger.warn({ pending: this.scheduling.size }, 'stopping before some scheduling reached Redis; the next start reconciles it from the store'),
      );
    }
    this.health.stop();
    await this.workers.close();
    await withTimeout(this.queues.close(), closeTimeoutMs, 'queues did not close in time').catch(() => undefined);
    await Promise.all([quit(this.producer), quit(this.workerRedis)]);
    await this.workers.release();
    this.setState('off');
    this.logger.info({}, 'jobs stopped');
  }

  /** See Reconciler.reconcile: makes Redis match the store. */
  reconcile(since: Date, options: { catchUp?: boolean } = {}): Promise<ReconcileReport> {
    return this.reconciler.reconcile(since, options);
  }

  private scheduleStallSweep(): void {
    this.sweepTimer = setTimeout(() => {
      const sweep = this.health.state === 'up' && !this.stopping ? this.reconciler.sweepStalls() : Promise.resolve(0);
      void sweep
        .catch((err: unknown) => this.quietError(err instanceof Error ? err : new Error(String(err)), { during: 'stall sweep' }))
        .finally(() => {
          if (!this.stopping) this.scheduleStallSweep();
        });
    }, this.deps.options.stallSweepEveryMs);
    this.sweepTimer.unref();
  }

  private onRedisUp(downSince: Date): void {
    this.setState('running');
    this.setup = this.setup.then(() => this.afterConnect(downSince));
    this.answered?.();
  }

  private async afterConnect(downSince: Date): Promise<void> {
    if (this.stopping) return;
    try {
      await this.recompute.ensureSchedule();
      await this.maintenance.ensureSchedules();
      this.logger.info({ scheduler: 'recompute-every', everyMinutes: this.deps.options.recomputeEveryMs / 60_000 }, 'job scheduler ready: score recompute');
      const connection = this.health.connections;
      // Bot processes reconcile on every connect; workers only to catch up after Redis lost its
      // data, so a Redis emptied while every bot process is down (or restarting) is refilled by
      // whichever process comes first.
      const lost = await this.redisLostData(this.deps.role === 'all');
      if (this.deps.role === 'all' || lost) {
        await this.reconcile(downSince, { catchUp: lost });
        // Only now, and only on the connection the reconcile ran on: a process killed during the
        // catch-up leaves the marker unset, so the next bot process catches up again (re-adding
        // what is queued is a no-op); a reconcile that Redis restarted under must not mark the
        // new, empty Redis as reconciled.
        if (this.health.connections === connection && this.health.state === 'up') await this.producer.set(this.redisMarkerKey(), new Date().toISOString());
      }
    } catch (err) {
      this.quietError(err instanceof Error ? err : new Error(String(err)), { during: 'set-up' });
      this.repair.request(downSince);
    }
  }

  /**
   * Whether this Redis lost the data an earlier connection left (restarted without persistence,
   * flushed, replaced): it lacks the marker a bot process sets after each reconcile, for a
   * deployment whose store says it has been connected before. Only then does a reconcile catch
   * up (reminders and digest slots due within the window and not sent): otherwise their jobs are
   * still in Redis, and a first start, a new JOBS_PREFIX or a moved store must not send what
   * fell due before it.
   */
  private async redisLostData(recordFirstConnection: boolean): Promise<boolean> {
    if ((await this.producer.exists(this.redisMarkerKey())) === 1) return false;
    const marker = `redis-connected-${this.deps.options.prefix}`;
    if (await this.deliveries.wasSent(marker)) {
      const hours = this.deps.options.catchUpWindowMs / 3_600_000;
      this.logger.warn({ catchUpHours: hours }, 'Redis came back without its data: queuing again every reminder and digest of the catch-up window that was not sent');
      return true;
    }
    // Only a bot process, which reconciles and sets the Redis marker right after, records the
    // first connection: a worker doing it would make that bot's start look like lost data.
    if (recordFirstConnection) await this.deliveries.markSent(marker);
    return false;
  }

  private redisMarkerKey(): string {
    return `${this.deps.options.prefix}:jobs:reconciled`;
  }

  private async onEvent(event: DomainEvent): Promise<PublishOutcome> {
    if (this.stopping) return 'done';
    if (this.health.state !== 'up') {
      this.logger.debug({ event: event.type }, 'Redis is away: this is scheduled by the reconcile when it is back');
      return 'done';
    }
    const began = this.deps.core.clock.now();
    const work = this.events.handle(event);
    const tracked = work.then(
      () => undefined,
      () => undefined,
    );
    this.scheduling.add(tracked);
    void tracked.finally(() => this.scheduling.delete(tracked));
    try {
      await withTimeout(work, this.deps.options.schedulingTimeoutMs, 'scheduling took too long');
      return 'done';
    } catch (err) {
      this.logger.warn({ event: event.type, err }, 'could not schedule jobs for an event in time; it goes on in the background (drained before exit) and is repaired from the store shortly');
      this.repair.request(began);
      // Still tracked in `scheduling`, so stop() waits for it: the reply says it is queued.
      return 'queued';
    }
  }

  private setState(state: BackgroundState): void {
    this.deps.core.services.setJobs(state);
  }

  /** Connection errors repeat on every reconnect attempt: loud while Redis is up, quiet while it is away. */
  private quietError(err: Error, context: Record<string, unknown>): void {
    if (this.stopping) return;
    if (this.health?.state === 'up') this.logger.warn({ ...context, err }, 'job queue error');
    else this.logger.debug({ ...context, err }, 'job queue error while Redis is away');
  }
}

async function quit(redis: Redis): Promise<void> {
  if (redis.status === 'end') return;
  if (redis.status !== 'ready') {
    redis.disconnect();
    return;
  }
  await withTimeout(redis.quit(), 2_000, 'Redis did not close in time').catch(() => redis.disconnect());
}

