import { UnrecoverableError, type Job } from 'bullmq';
import type { EnrollmentContextStore } from '../src/ports/store/index.ts';
import type { Messenger } from '../src/ports/messenger.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { Clock } from '../src/ports/clock.ts';
import { resolveLocale, type MessageCatalog, type Translator } from '../src/core/i18n.ts';
import type { Community, Course } from '../src/domain/model.ts';
import { reply, type Reply } from '../src/domain/reply.ts';
import { courseName } from '../src/domain/course-name.ts';
import { dropJob } from './dropped.ts';
import { deliverOnce, type DeliverDeps, type DeliveryOutcome } from './deliver.ts';
import { reminderDataSchema, type ReminderKind } from './reminders.ts';

export interface ReminderProcessorDeps extends DeliverDeps {
  store: EnrollmentContextStore;
  catalog: MessageCatalog;
  messenger: Messenger;
  clock: Clock;
  logger: Logger;
}

/**
 * Sends one reminder as a direct message, after checking against the store that it still
 * applies: the member may have left the course, turned reminders off or rated already, and
 * the course may have been archived or moved.
 */
export function reminderProcessor(deps: ReminderProcessorDeps) {
  return async (job: Job, token?: string): Promise<DeliveryOutcome> => {
    const parsed = reminderDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`reminder ${job.id} has malformed data`);
    const data = parsed.data;
    // Every check's rows in one read: most reminders go out, so none of it is wasted.
    const { community, member, course, enrolled, rated } = await deps.store.enrollmentContext(data.communityId, data.memberId, data.courseId);
    if (!community) return dropJob(deps.logger, job, 'community', { community: data.communityId });
    if (!member) return dropJob(deps.logger, job, 'member', { community: community.id, member: data.memberId });
    if (!course) return dropJob(deps.logger, job, 'course', { community: community.id, course: data.courseId });
    if (!member.remindersEnabled) return 'skipped:reminders-off';
    if (course.archived) return 'skipped:archived';
    if (!enrolled) return 'skipped:not-enrolled';
    if (data.kind === 'rate-nudge') {
      if (rated) return 'skipped:already-rated';
    } else {
      if (!course.startsAt || course.startsAt.getTime() !== data.startsAt) return 'skipped:start-moved';
      if (course.startsAt.getTime() <= deps.clock.now().getTime()) {
        // A catch-up after an outage must not say "starts in an hour" about a course under way.
        deps.logger.info({ job: job.id, kind: data.kind, community: community.id, startsAt: course.startsAt.toISOString() }, 'reminder skipped: the course has already started');
        return 'skipped:already-started';
      }
    }

    const i18n = deps.catalog.translator(resolveLocale(data.locale, community.settings.locale));
    const message = reminderReply(i18n, data.kind, community, course);
    const outcome = await deliverOnce(job, token, job.id ?? '', deps, (delivery) => deps.messenger.sendToMember(community, member.externalId, message, delivery));
    deps.logger.info({ job: job.id, kind: data.kind, community: community.id, outcome }, OUTCOME_LOG[outcome]);
    return outcome;
  };
}

const OUTCOME_LOG = {
  sent: 'reminder sent',
  duplicate: 'reminder already sent; skipped',
  'found-earlier': 'reminder found on the platform from an earlier attempt; not sent again',
} as const;

const TEXT_KEY: Record<ReminderKind, string> = { 'start-24h': 'start24h', 'start-1h': 'start1h', 'rate-nudge': 'rate' };

/** A direct message: plain text and no buttons (a DM has no community to run them in). */
export function reminderReply(i18n: Translator, kind: ReminderKind, community: Community, course: Course): Reply {
  const timezone = community.settings.digest?.timezone ?? 'UTC';
  const vars = {
    course: courseName(course),
    community: community.name,
    number: course.number,
    when: course.startsAt ? i18n.dateTime(course.startsAt, timezone) : '',
    timezone,
  };
  const key = TEXT_KEY[kind];
  return reply({
    visibility: 'public',
    title: i18n.t(`jobs:reminder.${key}.title`, vars),
    body: [i18n.t(`jobs:reminder.${key}.body`, vars), ...(course.url ? [i18n.t('jobs:reminder.link', { url: course.url })] : [])],
    footer: i18n.t('jobs:reminder.footer', { community: community.name }),
  });
}
