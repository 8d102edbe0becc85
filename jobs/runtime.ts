import { fastRepeatStrategy } from './cron-next.ts';
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
import { catchUpDigestJobId, dueDigestSlots, splitForCatchUp } from './catch-up.ts';
import { failedByStalls, requeueStalled, sweepStalledFailures } from './stalls.ts';
import { reminderProcessor } from './reminder-processor.ts';
import { digestDeliveryKey, DigestScheduler, digestProcessor } from './digests.ts';
import { DailyHistory, recomputeProcessor, RecomputeScheduler } from './recompute.ts';
import { cohortProcessor, cohortQueueName, CohortScheduler } from './cohorts.ts';

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
const ALL_QUEUES = [RECOMPUTE_QUEUE, ...PLATFORMS.flatMap((p) => [reminderQueueName(p), digestQueueName(p), cohortQueueName(p)])];
/** A scrape must not hang on a Redis that is slow to answer. */
const DEPTH_TIMEOUT_MS = 2_000;

export interface ReconcileReport {
  communities: number;
  digestSchedulers: number;
  remindersQueued: number;
  /** Due start reminders not queued because their course has started (see catch-up.ts). */
  remindersSkippedStarted: number;
  /** Past digest slots (within the catch-up window) queued because they were not sent. */
  digestsCaughtUp: number;
  /** Jobs BullMQ had failed for stalling, queued again. */
  stalledRequeued: number;
  /** Courses whose enrollees' roles were not in step, queued for another pass. */
  cohortPassesQueued: number;
}

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
  private readonly cohorts: CohortScheduler;
  private readonly workers: Worker[] = [];
  private readonly logger: Logger;
  private unsubscribe: (() => void) | undefined;
  private setup: Promise<void> = Promise.resolve();
  private repairTimer: NodeJS.Timeout | undefined;
  private repairSince: Date | undefined;
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
    this.cohorts = new CohortScheduler(this.queues, options.cohortRetryDelayMs);
    this.setState('paused');
    this.health = new RedisHealth(this.producer, describeUrl(deps.redisUrl), this.logger, now, {
      up: (downSince) => this.onRedisUp(downSince),
      down: () => this.setState('paused'),
    });
  }

  /** Starts the workers (and, in role `all`, the event listener); returns without waiting for Redis. */
  start(): this {
    const { core, role } = this.deps;
    this.startWorker(RECOMPUTE_QUEUE, recomputeProcessor({
        store: core.store,
        clock: core.clock,
        logger: this.logger,
        scheduler: this.recompute,
        history: new DailyHistory(this.deps.priorWeight),
        retentionDays: this.deps.options.historyRetentionDays,
      }), CONCURRENCY.recompute);
    const deliver = { log: this.deliveries, sendTimeoutMs: this.deps.options.sendTimeoutMs, logger: this.logger };
    // Only platforms this process can deliver to: the other queues are left to processes that can.
    for (const platform of core.messengers.platforms) {
      this.startWorker(
        reminderQueueName(platform),
        reminderProcessor({ ...deliver, store: core.store, catalog: core.catalog, messenger: core.messengers, clock: core.clock }),
        CONCURRENCY.reminders,
      );
      this.startWorker(
        digestQueueName(platform),
        digestProcessor({ ...deliver, store: core.store, catalog: core.catalog, messenger: core.messengers, priorWeight: this.deps.priorWeight }),
        CONCURRENCY.digests,
      );
    }
    // Course roles: one queue per platform this process serves and whose roles it reaches (a
    // worker process has messengers but no adapter, so it leaves these to the bot processes).
    for (const platform of core.access.platforms.filter((p) => core.messengers.platforms.includes(p))) {
      this.startWorker(
        cohortQueueName(platform),
        cohortProcessor({ store: core.store, access: core.access, clock: core.clock, logger: this.logger, stopping: () => this.stopping }),
        CONCURRENCY.cohorts,
      );
    }
    if (role === 'all') this.unsubscribe = core.events.subscribe((event) => this.onEvent(event));
    if (core.messengers.platforms.length > 0) this.scheduleStallSweep();
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
    clearTimeout(this.repairTimer);
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
   * Makes the queue match the store: every digest scheduler, every reminder due from `since` on,
   * and with `catchUp` (Redis came back without its data), back to the catch-up window, every
   * reminder and the latest digest slot that fell due and are not `sent` in the delivery log. Jobs BullMQ failed
   * for stalling are queued again first. Re-adding a job Redis still holds is a no-op, and the
   * delivery log refuses repeats, so reconciling often is safe.
   */
  async reconcile(since: Date, options: { catchUp?: boolean } = {}): Promise<ReconcileReport> {
    const { store, clock } = this.deps.core;
    const now = clock.now();
    const from = options.catchUp ? new Date(Math.min(since.getTime(), now.getTime() - this.deps.options.catchUpWindowMs)) : since;
    const stalledRequeued = await this.sweepStalls();
    const communities = await store.listCommunities();
    const digests = communities.filter((c) => c.settings.digest);
    await this.digests.syncAll(digests, { skipUnchanged: true, stopped: () => this.stopping });
    const withDigest = new Set(digests.map((c) => c.id));
    const totals = { remindersQueued: 0, remindersSkippedStarted: 0, digestsCaughtUp: 0, cohortPassesQueued: 0 };
    for (const community of communities) {
      if (this.stopping) throw new Error('stopped during the reconcile');
      const { queued, started } = await this.reconcileReminders(community, from, now);
      totals.remindersQueued += queued;
      totals.remindersSkippedStarted += started;
      if (options.catchUp) totals.digestsCaughtUp += await this.catchUpDigests(community, from, now);
      totals.cohortPassesQueued += await this.reconcileCohorts(community);
    }
    await this.digests.prune(withDigest);
    await this.deliveries.pruneSent(new Date(now.getTime() - this.deps.options.deliveryRetentionMs));
    const report = { communities: communities.length, digestSchedulers: withDigest.size, ...totals, stalledRequeued };
    this.logger.info({ ...report, since: since.toISOString(), catchUpFrom: from.toISOString() }, 'jobs reconciled with the store: digest schedulers, reminders and missed deliveries queued');
    return report;
  }

  /** Courses whose enrollees' roles are not in step (a pass cut short, a refusal): queued again. */
  private async reconcileCohorts(community: Community): Promise<number> {
    const courseIds = await this.deps.core.store.cohorts.coursesNeedingSync(community.id);
    for (const courseId of courseIds) await this.cohorts.request(community.platform, community.id, courseId);
    return courseIds.length;
  }

  /** Queues the community's digest slots that fell due within the window and were not posted. */
  private async catchUpDigests(community: Community, from: Date, now: Date): Promise<number> {
    const slots = dueDigestSlots(community, from, now);
    if (slots.length === 0) return 0;
    const sent = await this.deliveries.sentAmong(slots.map((slot) => digestDeliveryKey(community.id, slot)));
    // Only the latest missed slot is posted: a channel wants the current digest, not a burst of
    // stale ones after a long outage; the older ones are named in the log.
    const latest = slots.at(-1)!;
    if (sent.has(digestDeliveryKey(community.id, latest))) return 0;
    const older = slots.slice(0, -1).filter((slot) => !sent.has(digestDeliveryKey(community.id, slot)));
    await this.queues.get(digestQueueName(community.platform)).add('digest', { communityId: community.id, slot: latest.getTime() }, { jobId: catchUpDigestJobId(community.id, latest) });
    this.logger.info(
      { community: community.id, slot: latest.toISOString(), olderMissed: older.map((slot) => slot.toISOString()).slice(-10), olderMissedCount: older.length },
      'digest slot missed while Redis lost its data; posting it late (older missed slots are not posted)',
    );
    return 1;
  }

  /** Re-queues, on every delivery queue of this process, the jobs BullMQ failed for stalling. */
  private async sweepStalls(): Promise<number> {
    let requeued = 0;
    for (const platform of this.deps.core.messengers.platforms) {
      for (const name of [reminderQueueName(platform), digestQueueName(platform)]) requeued += await sweepStalledFailures(this.queues.get(name), this.logger);
    }
    return requeued;
  }

  private scheduleStallSweep(): void {
    this.sweepTimer = setTimeout(() => {
      const sweep = this.health.state === 'up' && !this.stopping ? this.sweepStalls() : Promise.resolve(0);
      void sweep
        .catch((err: unknown) => this.quietError(err instanceof Error ? err : new Error(String(err)), { during: 'stall sweep' }))
        .finally(() => {
          if (!this.stopping) this.scheduleStallSweep();
        });
    }, this.deps.options.stallSweepEveryMs);
    this.sweepTimer.unref();
  }

  private async reconcileReminders(community: Community, since: Date, now: Date): Promise<{ queued: number; started: number }> {
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
      // A reminder due before its member enrolled was never planned: nothing to catch up.
      if (course) planned.push(...planReminders({ communityId: community.id, memberId: e.memberId, course, enrolledAt: e.enrolledAt }, this.deps.options).filter((r) => r.fireAt >= e.enrolledAt));
    }
    const due = planned.filter((r) => r.fireAt.getTime() >= since.getTime() && r.fireAt.getTime() <= now.getTime());
    const split = splitForCatchUp(planned, since, now, await this.deliveries.sentAmong(due.map((r) => r.jobId)));
    for (const r of split.started) {
      this.logger.info({ job: r.jobId, kind: r.data.kind, community: community.id, dueAt: r.fireAt.toISOString() }, 'reminder not sent late: the course has already started');
    }
    return { queued: await this.reminders.schedule(community.platform, split.queue, since), started: split.started.length };
  }

  private startWorker(queue: string, processor: Processor, concurrency: number): void {
    const { options } = this.deps;
    const worker = new Worker(queue, processor, {
      connection: this.workerRedis,
      prefix: options.prefix,
      concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // BullMQ fails a job whose workers died more often than this, for good; those are queued
      // again (stalls.ts), so this only bounds how fast a job that kills its worker is given up.
      maxStalledCount: options.maxStalledCount,
      // Scheduling a digest's next run: the same times as BullMQ's default, computed cheaply.
      settings: { repeatStrategy: fastRepeatStrategy },
    });
    const observer = this.deps.observer ?? ignoreJobs;
    worker.on('error', (err: Error) => this.quietError(err, { queue }));
    worker.on('completed', () => observer.onJob({ queue, outcome: 'completed' }));
    worker.on('failed', (job: Job | undefined, err: Error) => {
      observer.onJob({ queue, outcome: 'failed' });
      this.onFailed(queue, job, err);
    });
    this.workers.push(worker);
    this.logger.info({ queue, concurrency, lockDurationMs: options.lockDurationMs }, 'job worker started');
  }

  /** Says what BullMQ does with the failed job, and re-queues one it failed for stalling. */
  private onFailed(queue: string, job: Job | undefined, err: Error): void {
    const where = { queue, job: job?.id, attempts: job?.attemptsMade, of: job?.opts.attempts, err };
    if (job && failedByStalls(job)) {
      requeueStalled(this.queues.get(queue), job, this.logger).catch((error: unknown) =>
        this.logger.warn({ ...where, err: error }, 'could not re-queue a job failed for stalling; the next reconcile or stall sweep will'),
      );
    } else if (job && !job.finishedOn) {
      this.logger.warn({ ...where, retryInMs: job.delay }, 'job attempt failed; BullMQ retries it after the back-off');
    } else {
      this.logger.error(where, 'job failed for good (no attempts left, or an error retrying cannot fix); it stays in the failed list');
    }
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
      this.requestRepair(downSince);
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
    const work = this.handle(event);
    const tracked = work.then(
      () => undefined,
      () => undefined,
    );
    this.scheduling.add(tracked);
    void tracked.finally(() => this.scheduling.delete(tracked));
    try {
      await withTimeout(work, this.deps.options.schedulingTimeoutMs, 'scheduling took too long');
    } catch (err) {
      this.logger.warn({ event: event.type, err }, 'could not schedule jobs for an event; repairing from the store shortly');
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
      case 'cohort-sync':
        await this.cohorts.request(event.community.platform, event.community.id, event.course.id, true);
        return;
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

