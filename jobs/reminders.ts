import { z } from 'zod';
import type { JobsOptions as BullJobOptions } from 'bullmq';
import { LOCALES, type Course, type Locale, type Platform } from '../src/domain/model.ts';
import type { Queues } from './queues.ts';
import { reminderQueueName } from './queues.ts';
import type { JobsOptions, StartLead } from './options.ts';

export type ReminderKind = StartLead['kind'] | 'rate-nudge';

export const reminderDataSchema = z.object({
  communityId: z.string().min(1),
  memberId: z.string().min(1),
  courseId: z.string().min(1),
  kind: z.enum(['start-24h', 'start-1h', 'rate-nudge']),
  /** For start reminders: the start time (ms) the reminder was planned for. */
  startsAt: z.number().int().optional(),
  /** The member's language when the enrolling event said it; else the community's at delivery. */
  locale: z.enum(LOCALES).optional(),
  /** How often this job was queued again after BullMQ failed it for stalling (jobs/stalls.ts). */
  stallRequeues: z.number().int().optional(),
});
export type ReminderJobData = z.infer<typeof reminderDataSchema>;

export interface PlannedReminder {
  jobId: string;
  fireAt: Date;
  data: ReminderJobData;
}

/**
 * One id per reminder, so queuing it again is a no-op and unenrolling can find it. Start
 * reminders carry the start time they were planned for: moving a course's start makes new
 * reminders (and a new delivery record) instead of being mistaken for ones already sent.
 * BullMQ refuses `:` in custom ids, hence the dashes.
 */
export function reminderJobId(communityId: string, memberId: string, courseId: string, kind: ReminderKind, startsAt?: Date | null): string {
  const base = `reminder-${communityId}-${memberId}-${courseId}-${kind}`;
  return kind === 'rate-nudge' || !startsAt ? base : `${base}-${startsAt.getTime()}`;
}

export interface PlanInput {
  communityId: string;
  memberId: string;
  course: Pick<Course, 'id' | 'startsAt'>;
  enrolledAt: Date;
  locale?: Locale | undefined;
}

/**
 * Every reminder an enrollment calls for, due or not (callers drop those already past): one per
 * lead before the course's start, and the nudge to rate it a while after enrolling, or after
 * the start when that is later (rating a course that has not begun makes no sense).
 */
export function planReminders(input: PlanInput, options: Pick<JobsOptions, 'startLeads' | 'nudgeAfterMs'>): PlannedReminder[] {
  const { communityId, memberId, course, enrolledAt } = input;
  const base = { communityId, memberId, courseId: course.id, ...(input.locale ? { locale: input.locale } : {}) };
  const planned: PlannedReminder[] = [];
  if (course.startsAt) {
    for (const lead of options.startLeads) {
      planned.push({
        jobId: reminderJobId(communityId, memberId, course.id, lead.kind, course.startsAt),
        fireAt: new Date(course.startsAt.getTime() - lead.beforeMs),
        data: { ...base, kind: lead.kind, startsAt: course.startsAt.getTime() },
      });
    }
  }
  const nudgeFrom = Math.max(enrolledAt.getTime(), course.startsAt?.getTime() ?? 0);
  planned.push({
    jobId: reminderJobId(communityId, memberId, course.id, 'rate-nudge'),
    fireAt: new Date(nudgeFrom + options.nudgeAfterMs),
    data: { ...base, kind: 'rate-nudge' },
  });
  return planned;
}

/** The ids of every reminder an enrollment may have queued, for a course as it was. */
export function reminderJobIds(communityId: string, memberId: string, course: Pick<Course, 'id' | 'startsAt'>, options: Pick<JobsOptions, 'startLeads'>): string[] {
  return [
    ...(course.startsAt ? options.startLeads.map((lead) => reminderJobId(communityId, memberId, course.id, lead.kind, course.startsAt)) : []),
    reminderJobId(communityId, memberId, course.id, 'rate-nudge'),
  ];
}

/** Queues and removes reminder jobs on the queue of the community's platform. */
export class ReminderScheduler {
  constructor(
    private readonly queues: Queues,
    private readonly now: () => Date,
  ) {}

  /**
   * Queues the reminders due at or after `notBefore`; those already due are queued to run now
   * (a catch-up after Redis was away). Returns how many were handed to the queue.
   */
  async schedule(platform: Platform, reminders: readonly PlannedReminder[], notBefore: Date): Promise<number> {
    const now = this.now().getTime();
    const due = reminders.filter((r) => r.fireAt.getTime() >= notBefore.getTime());
    const queue = this.queues.get(reminderQueueName(platform));
    for (let i = 0; i < due.length; i += 500) {
      await queue.addBulk(
        due.slice(i, i + 500).map((r) => ({
          name: r.data.kind,
          data: r.data,
          // The job's own timestamp is the `now` the delay was counted from, so timestamp + delay
          // is exactly the planned time rather than a millisecond or so later.
          opts: { jobId: r.jobId, timestamp: now, delay: Math.max(0, r.fireAt.getTime() - now) } satisfies BullJobOptions,
        })),
      );
    }
    return due.length;
  }

  /** Removes queued reminders; one that is running right now finishes and checks the store. */
  async cancel(platform: Platform, jobIds: readonly string[]): Promise<void> {
    const queue = this.queues.get(reminderQueueName(platform));
    await Promise.all(jobIds.map((id) => queue.remove(id)));
  }
}
