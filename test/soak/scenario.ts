import type { Platform } from '../../src/domain/model.ts';
import type { Store } from '../../src/ports/store/index.ts';
import { reminderJobId, type ReminderKind } from '../../jobs/reminders.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One reminder the soak expects to see delivered exactly once. */
export interface ExpectedReminder {
  platform: Platform;
  /** The delivery id (the reminder's job id). */
  id: string;
  kind: ReminderKind;
  /** The member's id on the platform (who the DM goes to). */
  to: string;
  dueAt: number;
}

export interface SeedOptions {
  platform: Platform;
  /** The guild or workspace id. */
  externalId: string;
  memberIds: readonly string[];
  enrollmentsPerMember: number;
  /** Due times are spread evenly over [firstDueAt, firstDueAt + spreadMs]. */
  firstDueAt: number;
  spreadMs: number;
  /** RATE_NUDGE_DAYS of the processes, in ms. */
  nudgeAfterMs: number;
}

/**
 * Seeds one community so that each enrollment has exactly one reminder falling due in the soak's
 * window, in turn a "24 h before", a "1 h before" and a "rate it" nudge: a course per enrollment
 * whose start (and, for nudges, whose enrollment date) puts that reminder at its due time and
 * every other reminder of the enrollment far outside the window (long past, or a day ahead).
 */
export async function seedCommunity(store: Store, options: SeedOptions): Promise<ExpectedReminder[]> {
  const community = await store.upsertCommunity({ platform: options.platform, externalId: options.externalId }, `Soak ${options.platform}`);
  const total = options.memberIds.length * options.enrollmentsPerMember;
  const expected: ExpectedReminder[] = [];
  const kinds: ReminderKind[] = ['start-24h', 'start-1h', 'rate-nudge'];
  let n = 0;
  for (const [m, externalId] of options.memberIds.entries()) {
    const member = await store.upsertMember(community.id, externalId, `member ${m}`);
    for (let e = 0; e < options.enrollmentsPerMember; e++, n++) {
      const dueAt = Math.round(options.firstDueAt + (total <= 1 ? 0 : (options.spreadMs * n) / (total - 1)));
      const kind = kinds[n % kinds.length]!;
      const startsAt = kind === 'start-24h' ? dueAt + DAY : kind === 'start-1h' ? dueAt + HOUR : dueAt - options.nudgeAfterMs;
      // Nudges count from the start (it is later than the enrollment), so the member enrolled a day before it.
      const enrolledAt = kind === 'rate-nudge' ? startsAt - DAY : Date.now();
      const course = await store.createCourse(community.id, { title: `Soak course ${n}`, description: '', url: null, tags: [], value: 1, startsAt: new Date(startsAt) });
      await store.enroll(community.id, member.id, course.id, new Date(enrolledAt));
      expected.push({ platform: options.platform, id: reminderJobId(community.id, member.id, course.id, kind, kind === 'rate-nudge' ? null : new Date(startsAt)), kind, to: externalId, dueAt });
    }
  }
  return expected;
}
