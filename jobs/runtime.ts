import { Worker, type Job, type Processor } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Core } from '../src/composition/app.ts';
import type { DomainEvent } from '../src/ports/events.ts';
import type { Logger } from '../src/ports/logger.ts';
import { ignoreJobs, type JobObserver } from '../src/ports/observer.ts';
import type { BackgroundState } from '../src/ports/services.ts';
import { PLATFORMS, type Community, type Enrollment } from '../src/domain/model.ts';
import { describeUrl } from '../src/infra/logger.ts';
import type { JobsOptions } from './options.ts';
import { producerConnection, RedisHealth, workerConnection } from './redis.ts';
import { digestQueueName, Queues, RECOMPUTE_QUEUE, reminderQueueName } from './queues.ts';
import { DeliveryLog } from './delivery-log.ts';
import { withTimeout } from './deliver.ts';
import { absorbLateConnectionErrors, releaseStalledTimer } from './bullmq-workarounds.ts';
import { planReminders, reminderJobIds, ReminderScheduler, type PlannedReminder } from './reminders.ts';
import { reminderProcessor } from './reminder-processor.ts';
import { DigestScheduler, digestProcessor } from './digests.ts';
import { recomputeProcessor, RecomputeScheduler } from './recompute.ts';

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
const ALL_QUEUES = [RECOMPUTE_QUEUE, ...PLATFORMS.flatMap((p) => [reminderQueueName(p), digestQueueName(p)])];
/** A scrape must not hang on a Redis that is slow to answer. */
const DEPTH_TIMEOUT_MS = 2_000;

export interface ReconcileReport {
  communities: number;
  digestSchedulers: number;
  remindersQueued: number;
}

const CONCURRENCY = { reminders: 5, digests: 2, recompute: 1 } as const;

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
  private readonly workers: Worker[] = [];
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private setup: Promise<void> = Promise.resolve();
  private repairTimer: NodeJS.Timeout | undefined;
  private repairSince: Date | undefined;
  private stopping = false;

  constructor(private readonly deps: JobsServiceDeps) {
    const { core, options } = deps;
    this.logger = deps.logger.child({ component: 'jobs' });
    this.producer = producerConnection(deps.redisUrl, options.reconnectMaxDelayMs);
    this.workerRedis = workerConnection(deps.redisUrl, options.reconnectMaxDelayMs);
    // The worker connection's errors mirror the producer's, which the health watcher reports.
    this.workerRedis.on('error', (err: Error) => this.logger.debug({ err: err.message }, 'Redis worker connection error'));
    this.queues = new Queues(this.producer, options.prefix, (err, queue) => this.quietError(err, { queue }));
    this.deliveries = new DeliveryLog(this.workerRedis, options.prefix, options.deliveryLeaseMs, options.deliveryRetentionMs);
    const now = () => core.clock.now();
    this.reminders = new ReminderScheduler(this.queues, now);
    this.digests = new DigestScheduler(this.queues, this.logger);
    this.recompute = new RecomputeScheduler(this.queues, options.recomputeEveryMs, options.recomputeDebounceMs);
    this.setState('paused');
    this.health = new RedisHealth(this.producer, describeUrl(deps.redisUrl), this.logger, now, {
      up: (downSince) => this.onRedisUp(downSince),
      down: () => this.setState('paused'),
    });
  }

  /** Starts the workers (and, in role `all`, the event listener); returns without waiting for Redis. */
  start(): this {
    const { core, role } = this.deps;
    this.startWorker(RECOMPUTE_QUEUE, recomputeProcessor({ store: core.store, clock: core.clock, logger: this.logger, scheduler: this.recompute }), CONCURRENCY.recompute);
    const deliver = { log: this.deliveries, sendTimeoutMs: this.deps.options.sendTimeoutMs };
    // Only platforms this process can deliver to: the other queues are left to processes that can.
    for (const platform of core.messengers.platforms) {
      this.startWorker(
        reminderQueueName(platform),
        reminderProcessor({ ...deliver, store: core.store, catalog: core.catalog, messenger: core.messengers, clock: core.clock, logger: this.logger }),
        CONCURRENCY.reminders,
      );
      this.startWorker(
        digestQueueName(platform),
        digestProcessor({ ...deliver, store: core.store, catalog: core.catalog, messenger: core.messengers, logger: this.logger, priorWeight: this.deps.priorWeight }),
        CONCURRENCY.digests,
      );
    }
    if (role === 'all') this.unsubscribe = core.events.subscribe((event) => this.onEvent(event));
    this.logger.info(
      { role, redis: describeUrl(this.deps.redisUrl), prefix: this.deps.options.prefix, queues: this.workers.map((w) => w.name) },
      core.messengers.platforms.length === 0 ? 'jobs started: recomputes only (no messenger in this process, so no reminders or digests here)' : 'jobs started',
    );
    return this;
  }

  /** Resolves when the set-up or reconcile in progress (if any) has finished. */
  settled(): Promise<void> {
    return this.setup;
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
    clearTimeout(this.repairTimer);
    this.health.stop();
    const { closeTimeoutMs } = this.deps.options;
    // Take no new jobs and let running ones finish if they do in time; otherwise closing the
    // connections below abandons them, their locks lapse and another worker takes them over
    // (BullMQ's stalled-job recovery; the delivery log keeps that from sending twice).
    await Promise.all(
      this.workers.map(async (worker) => {
        await withTimeout(worker.close(), closeTimeoutMs, 'worker did not finish in time').catch(() =>
          this.logger.warn({ queue: worker.name }, 'stopping with jobs still running; another worker will take them over'),
        );
        absorbLateConnectionErrors(worker);
      }),
    );
    await withTimeout(this.queues.close(), closeTimeoutMs, 'queues did not close in time').catch(() => undefined);
    await Promise.all([quit(this.producer), quit(this.workerRedis)]);
    await Promise.all(this.workers.map((worker) => releaseStalledTimer(worker)));
    this.setState('off');
    this.logger.info({}, 'jobs stopped');
  }

  /**
   * Makes the queue match the store: every digest scheduler, and every reminder due at or after
   * `since` (already due ones run now, once: the delivery log refuses repeats).
   */
  async reconcile(since: Date): Promise<ReconcileReport> {
    const { store } = this.deps.core;
    const communities = await store.listCommunities();
    const digests = communities.filter((c) => c.settings.digest);
    await this.digests.syncAll(digests, { skipUnchanged: true, stopped: () => this.stopping });
    const withDigest = new Set(digests.map((c) => c.id));
    let remindersQueued = 0;
    for (const community of communities) {
      if (this.stopping) throw new Error('stopped during the reconcile');
      remindersQueued += await this.reconcileReminders(community, since);
    }
    await this.digests.prune(withDigest);
    const report = { communities: communities.length, digestSchedulers: withDigest.size, remindersQueued };
    this.logger.info({ ...report, since: since.toISOString() }, 'jobs reconciled with the store: digest schedulers and reminders queued');
    return report;
  }

  private async reconcileReminders(community: Community, since: Date): Promise<number> {
    const { store } = this.deps.core;
    const { nudgeAfterMs } = this.deps.options;
    const courses = new Map((await store.listActiveCourses(community.id)).map((c) => [c.id, c]));
    // Reminders due from `since` on belong to recent enrollments (nudges) or to courses that
    // start after `since - nudge` (start reminders, and nudges counted from the start).
    const horizon = new Date(since.getTime() - nudgeAfterMs);
    const enrollments = new Map<string, Enrollment>();
    const add = (e: Enrollment) => enrollments.set(`${e.memberId}/${e.courseId}`, e);
    (await store.listEnrollments(community.id, { enrolledSince: horizon })).forEach(add);
    for (const course of courses.values()) {
      if (course.startsAt && course.startsAt.getTime() > horizon.getTime()) (await store.listEnrollments(community.id, { courseId: course.id })).forEach(add);
    }
    const planned: PlannedReminder[] = [];
    for (const e of enrollments.values()) {
      const course = courses.get(e.courseId);
      if (course) planned.push(...planReminders({ communityId: community.id, memberId: e.memberId, course, enrolledAt: e.enrolledAt }, this.deps.options));
    }
    return this.reminders.schedule(community.platform, planned, since);
  }

  private startWorker(queue: string, processor: Processor, concurrency: number): void {
    const { options } = this.deps;
    const worker = new Worker(queue, processor, {
      connection: this.workerRedis,
      prefix: options.prefix,
      concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // A job whose worker died twice is still retried rather than failed outright.
      maxStalledCount: 2,
    });
    const observer = this.deps.observer ?? ignoreJobs;
    worker.on('error', (err: Error) => this.quietError(err, { queue }));
    worker.on('completed', () => observer.onJob({ queue, outcome: 'completed' }));
    worker.on('failed', (job: Job | undefined, err: Error) => {
      observer.onJob({ queue, outcome: 'failed' });
      this.logger.warn({ queue, job: job?.id, attempts: job?.attemptsMade, err: err.message }, 'job failed; BullMQ retries it with back-off until its attempts run out');
    });
    this.workers.push(worker);
    this.logger.info({ queue, concurrency, lockDurationMs: options.lockDurationMs }, 'job worker started');
  }

  private onRedisUp(downSince: Date): void {
    this.setState('running');
    this.setup = this.setup.then(() => this.afterConnect(downSince));
  }

  private async afterConnect(downSince: Date): Promise<void> {
    if (this.stopping) return;
    try {
      await this.recompute.ensureSchedule();
      this.logger.info({ scheduler: 'recompute-every', everyMinutes: this.deps.options.recomputeEveryMs / 60_000 }, 'job scheduler ready: score recompute');
      if (this.deps.role === 'all') await this.reconcile(downSince);
    } catch (err) {
      this.quietError(err instanceof Error ? err : new Error(String(err)), { during: 'set-up' });
      this.requestRepair(downSince);
    }
  }

  /** Set-up or scheduling failed while Redis seemed up: do it again (from the store) a little later. */
  private requestRepair(since: Date): void {
    if (this.stopping) return;
    this.repairSince = this.repairSince && this.repairSince < since ? this.repairSince : since;
    if (this.repairTimer) return;
    this.repairTimer = setTimeout(() => {
      this.repairTimer = undefined;
      const from = this.repairSince;
      this.repairSince = undefined;
      if (!from || this.stopping) return;
      if (this.health.state !== 'up') return; // the reconnect reconciles from before the outage
      this.setup = this.setup.then(() => this.afterConnect(from));
    }, this.deps.options.repairDelayMs);
    this.repairTimer.unref();
  }

  private async onEvent(event: DomainEvent): Promise<void> {
    if (this.stopping) return;
    if (this.health.state !== 'up') {
      this.logger.debug({ event: event.type }, 'Redis is away: this is scheduled by the reconcile when it is back');
      return;
    }
    const began = this.deps.core.clock.now();
    try {
      await withTimeout(this.handle(event), this.deps.options.schedulingTimeoutMs, 'scheduling took too long');
    } catch (err) {
      this.logger.warn({ event: event.type, err: err instanceof Error ? err.message : String(err) }, 'could not schedule jobs for an event; repairing from the store shortly');
      this.requestRepair(began);
    }
  }

  private async handle(event: DomainEvent): Promise<void> {
    const { store, clock } = this.deps.core;
    const { options } = this.deps;
    switch (event.type) {
      case 'enrolled': {
        const now = clock.now();
        const planned = planReminders(
          { communityId: event.community.id, memberId: event.member.id, course: event.course, enrolledAt: now, locale: event.locale },
          options,
        );
        await this.reminders.schedule(event.community.platform, planned, now);
        return;
      }
      case 'unenrolled':
        await this.reminders.cancel(event.community.platform, reminderJobIds(event.community.id, event.member.id, event.course, options));
        return;
      case 'course-archived': {
        const enrolled = await store.listEnrollments(event.community.id, { courseId: event.course.id });
        await this.reminders.cancel(event.community.platform, enrolled.flatMap((e) => reminderJobIds(event.community.id, e.memberId, event.course, options)));
        return;
      }
      case 'course-updated': {
        const { before, course, community } = event;
        const moved = before.startsAt?.getTime() !== course.startsAt?.getTime();
        const restored = before.archived && !course.archived;
        if (!moved && !restored) return;
        const enrolled = await store.listEnrollments(community.id, { courseId: course.id });
        if (moved) await this.reminders.cancel(community.platform, enrolled.flatMap((e) => reminderJobIds(community.id, e.memberId, before, options)));
        if (!course.archived) {
          const planned = enrolled.flatMap((e) => planReminders({ communityId: community.id, memberId: e.memberId, course, enrolledAt: e.enrolledAt }, options));
          await this.reminders.schedule(community.platform, planned, clock.now());
        }
        return;
      }
      case 'rated':
        await this.recompute.debounce(event.community.id);
        return;
      case 'member-erased':
        await this.reminders.cancel(event.community.platform, event.courses.flatMap((course) => reminderJobIds(event.community.id, event.member.id, course, options)));
        await this.recompute.debounce(event.community.id);
        return;
      case 'settings-changed': {
        const outcome = await this.digests.sync(event.community);
        const digest = event.community.settings.digest;
        this.logger.info({ community: event.community.id, schedule: digest?.schedule, timezone: digest?.timezone }, outcome === 'scheduled' ? 'digest scheduler set' : 'digest scheduler off');
        return;
      }
      case 'course-created':
      case 'reminders-toggled':
        // Nothing to queue: the digest finds new courses by date, and each reminder checks the
        // member's choice when it is due.
        return;
    }
  }

  private setState(state: BackgroundState): void {
    this.deps.core.services.setJobs(state);
  }

  /** Connection errors repeat on every reconnect attempt: loud while Redis is up, quiet while it is away. */
  private quietError(err: Error, context: Record<string, unknown>): void {
    if (this.stopping) return;
    if (this.health?.state === 'up') this.logger.warn({ ...context, err: err.message }, 'job queue error');
    else this.logger.debug({ ...context, err: err.message }, 'job queue error while Redis is away');
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

