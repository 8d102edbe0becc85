import type { CourseStore, EnrollmentStore } from '../src/ports/store/index.ts';
import type { Clock } from '../src/ports/clock.ts';
import type { DomainEvent } from '../src/ports/events.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { JobsOptions } from './options.ts';
import { planReminders, reminderJobIds, type ReminderScheduler } from './reminders.ts';
import type { DigestScheduler } from './digests.ts';
import type { RecomputeScheduler } from './recompute.ts';
import type { CohortScheduler } from './cohorts.ts';

export interface EventSchedulingDeps {
  store: CourseStore & EnrollmentStore;
  clock: Clock;
  options: JobsOptions;
  logger: Logger;
  reminders: ReminderScheduler;
  digests: DigestScheduler;
  recompute: RecomputeScheduler;
  cohorts: CohortScheduler;
}

/** Turns what happened (a domain event) into what Redis must hold: reminders, recomputes, digest schedulers. */
export class EventScheduling {
  constructor(private readonly deps: EventSchedulingDeps) {}

  async handle(event: DomainEvent): Promise<void> {
    const { store, clock, options } = this.deps;
    switch (event.type) {
      case 'enrolled': {
        const now = clock.now();
        const planned = planReminders(
          { communityId: event.community.id, memberId: event.member.id, course: event.course, enrolledAt: now, locale: event.locale },
          options,
        );
        await this.deps.reminders.schedule(event.community.platform, planned, now);
        return;
      }
      case 'unenrolled':
        await this.deps.reminders.cancel(event.community.platform, reminderJobIds(event.community.id, event.member.id, event.course, options));
        return;
      case 'course-archived': {
        const enrolled = await store.listEnrollments(event.community.id, { courseId: event.course.id });
        await this.deps.reminders.cancel(event.community.platform, enrolled.flatMap((e) => reminderJobIds(event.community.id, e.memberId, event.course, options)));
        return;
      }
      case 'course-updated': {
        const { before, course, community } = event;
        const moved = before.startsAt?.getTime() !== course.startsAt?.getTime();
        const restored = before.archived && !course.archived;
        if (!moved && !restored) return;
        const enrolled = await store.listEnrollments(community.id, { courseId: course.id });
        if (moved) await this.deps.reminders.cancel(community.platform, enrolled.flatMap((e) => reminderJobIds(community.id, e.memberId, before, options)));
        if (!course.archived) {
          const planned = enrolled.flatMap((e) => planReminders({ communityId: community.id, memberId: e.memberId, course, enrolledAt: e.enrolledAt }, options));
          await this.deps.reminders.schedule(community.platform, planned, clock.now());
        }
        return;
      }
      case 'rated':
        await this.deps.recompute.debounce(event.community.id);
        return;
      case 'member-erased':
        await this.deps.reminders.cancel(event.community.platform, event.courses.flatMap((course) => reminderJobIds(event.community.id, event.member.id, course, options)));
        await this.deps.recompute.debounce(event.community.id);
        return;
      case 'settings-changed': {
        const outcome = await this.deps.digests.sync(event.community);
        const digest = event.community.settings.digest;
        this.deps.logger.info({ community: event.community.id, schedule: digest?.schedule, timezone: digest?.timezone }, outcome === 'scheduled' ? 'digest scheduler set' : 'digest scheduler off');
        return;
      }
      case 'cohort-sync':
        await this.deps.cohorts.request(event.community.platform, event.community.id, event.course.id, true);
        return;
      case 'course-created':
      case 'reminders-toggled':
        // Nothing to queue: the digest finds new courses by date, and each reminder checks the
        // member's choice when it is due.
        return;
    }
  }
}
