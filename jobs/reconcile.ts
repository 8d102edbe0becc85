import type { CommunityStore, CourseStore, EnrollmentStore, Store } from '../src/ports/store/index.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { Community, Enrollment, Platform } from '../src/domain/model.ts';
import type { JobsOptions } from './options.ts';
import { digestQueueName, reminderQueueName, type Queues } from './queues.ts';
import type { DeliveryLog } from './delivery-log.ts';
import { planReminders, type PlannedReminder, type ReminderScheduler } from './reminders.ts';
import { catchUpDigestJobId, dueDigestSlots, splitForCatchUp } from './catch-up.ts';
import { sweepStalledFailures } from './stalls.ts';
import { digestDeliveryKey, type DigestScheduler } from './digests.ts';
import type { CohortScheduler } from './cohorts.ts';

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

export interface ReconcilerDeps {
  store: CommunityStore & CourseStore & EnrollmentStore & Pick<Store, 'cohorts'>;
  cohorts: CohortScheduler;
  clock: Clock;
  options: JobsOptions;
  logger: Logger;
  queues: Queues;
  deliveries: DeliveryLog;
  reminders: ReminderScheduler;
  digests: DigestScheduler;
  /** The platforms this process delivers to (their queues' stalled jobs are swept here). */
  platforms: () => readonly Platform[];
  /** Checked between communities: a shutdown stops a long reconcile. */
  stopping: () => boolean;
}

/** Makes Redis match the store after a (re)connect, a failed scheduling, or Redis losing its data. */
export class Reconciler {
  constructor(private readonly deps: ReconcilerDeps) {}

  /**
   * Makes the queue match the store: every digest scheduler, every reminder due from `since` on,
   * and with `catchUp` (Redis came back without its data), back to the catch-up window, every
   * reminder and the latest digest slot that fell due and are not `sent` in the delivery log. Jobs BullMQ failed
   * for stalling are queued again first. Re-adding a job Redis still holds is a no-op, and the
   * delivery log refuses repeats, so reconciling often is safe.
   */
  async reconcile(since: Date, options: { catchUp?: boolean } = {}): Promise<ReconcileReport> {
    const { store, clock } = this.deps;
    const now = clock.now();
    const from = options.catchUp ? new Date(Math.min(since.getTime(), now.getTime() - this.deps.options.catchUpWindowMs)) : since;
    const stalledRequeued = await this.sweepStalls();
    const communities = await store.listCommunities();
    const digests = communities.filter((c) => c.settings.digest);
    await this.deps.digests.syncAll(digests, { skipUnchanged: true, stopped: () => this.deps.stopping() });
    const withDigest = new Set(digests.map((c) => c.id));
    const totals = { remindersQueued: 0, remindersSkippedStarted: 0, digestsCaughtUp: 0, cohortPassesQueued: 0 };
    for (const community of communities) {
      if (this.deps.stopping()) throw new Error('stopped during the reconcile');
      const { queued, started } = await this.reconcileReminders(community, from, now);
      totals.remindersQueued += queued;
      totals.remindersSkippedStarted += started;
      if (options.catchUp) totals.digestsCaughtUp += await this.catchUpDigests(community, from, now);
      totals.cohortPassesQueued += await this.reconcileCohorts(community);
    }
    await this.deps.digests.prune(withDigest);
    await this.deps.deliveries.pruneSent(new Date(now.getTime() - this.deps.options.deliveryRetentionMs));
    const report = { communities: communities.length, digestSchedulers: withDigest.size, ...totals, stalledRequeued };
    this.deps.logger.info({ ...report, since: since.toISOString(), catchUpFrom: from.toISOString() }, 'jobs reconciled with the store: digest schedulers, reminders and missed deliveries queued');
    return report;
  }

  /** Courses whose enrollees' roles are not in step (a pass cut short, a refusal): queued again. */
  private async reconcileCohorts(community: Community): Promise<number> {
    const courseIds = await this.deps.store.cohorts.coursesNeedingSync(community.id);
    for (const courseId of courseIds) await this.deps.cohorts.request(community.platform, community.id, courseId);
    return courseIds.length;
  }

  /** Queues the community's digest slots that fell due within the window and were not posted. */
  private async catchUpDigests(community: Community, from: Date, now: Date): Promise<number> {
    const slots = dueDigestSlots(community, from, now);
    if (slots.length === 0) return 0;
    const sent = await this.deps.deliveries.sentAmong(slots.map((slot) => digestDeliveryKey(community.id, slot)));
    // Only the latest missed slot is posted: a channel wants the current digest, not a burst of
    // stale ones after a long outage; the older ones are named in the log.
    const latest = slots.at(-1)!;
    if (sent.has(digestDeliveryKey(community.id, latest))) return 0;
    const older = slots.slice(0, -1).filter((slot) => !sent.has(digestDeliveryKey(community.id, slot)));
    await this.deps.queues.get(digestQueueName(community.platform)).add('digest', { communityId: community.id, slot: latest.getTime() }, { jobId: catchUpDigestJobId(community.id, latest) });
    this.deps.logger.info(
      { community: community.id, slot: latest.toISOString(), olderMissed: older.map((slot) => slot.toISOString()).slice(-10), olderMissedCount: older.length },
      'digest slot missed while Redis lost its data; posting it late (older missed slots are not posted)',
    );
    return 1;
  }

  /** Re-queues, on every delivery queue of this process, the jobs BullMQ failed for stalling. */
  async sweepStalls(): Promise<number> {
    let requeued = 0;
    for (const platform of this.deps.platforms()) {
      for (const name of [reminderQueueName(platform), digestQueueName(platform)]) requeued += await sweepStalledFailures(this.deps.queues.get(name), this.deps.logger);
    }
    return requeued;
  }

  private async reconcileReminders(community: Community, since: Date, now: Date): Promise<{ queued: number; started: number }> {
    const { store } = this.deps;
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
    const split = splitForCatchUp(planned, since, now, await this.deps.deliveries.sentAmong(due.map((r) => r.jobId)));
    for (const r of split.started) {
      this.deps.logger.info({ job: r.jobId, kind: r.data.kind, community: community.id, dueAt: r.fireAt.toISOString() }, 'reminder not sent late: the course has already started');
    }
    return { queued: await this.deps.reminders.schedule(community.platform, split.queue, since), started: split.started.length };
  }
}
