import type { Community } from '../src/domain/model.ts';
import { previousRun } from '../src/domain/schedule.ts';
import type { PlannedReminder } from './reminders.ts';

/**
 * What a reconcile queues again. Jobs still in Redis make re-adding a no-op, so this matters
 * when Redis came back empty: what fell due within the catch-up window and is not `sent` in the
 * delivery log (which lives in the store) is sent late rather than never.
 */
export interface CatchUpSplit {
  /** Still ahead, or due and not sent: queue these (due ones run at once). */
  queue: PlannedReminder[];
  /** Due start reminders for a course that has started: "starts in an hour" would be wrong now. */
  started: PlannedReminder[];
  /** Due and already sent. */
  sent: number;
}

export function splitForCatchUp(planned: readonly PlannedReminder[], from: Date, now: Date, sentKeys: ReadonlySet<string>): CatchUpSplit {
  const split: CatchUpSplit = { queue: [], started: [], sent: 0 };
  for (const reminder of planned) {
    const at = reminder.fireAt.getTime();
    if (at < from.getTime()) continue;
    if (at > now.getTime()) split.queue.push(reminder);
    else if (sentKeys.has(reminder.jobId)) split.sent++;
    else if (reminder.data.kind !== 'rate-nudge' && (reminder.data.startsAt ?? 0) <= now.getTime()) split.started.push(reminder);
    else split.queue.push(reminder);
  }
  return split;
}

/** More slots than this in one window are not looked at (schedules are at least an hour apart). */
const MAX_SLOTS = 48;

/** The community's latest digest slots in [from, now], oldest first (none when its digest is off). */
export function dueDigestSlots(community: Community, from: Date, now: Date): Date[] {
  const digest = community.settings.digest;
  if (!digest) return [];
  const slots: Date[] = [];
  // previousRun is strictly before its argument; a slot exactly at `now` counts as due.
  let cursor = new Date(now.getTime() + 1);
  while (slots.length < MAX_SLOTS) {
    const slot = previousRun(digest.schedule, digest.timezone, cursor);
    if (!slot || slot.getTime() < from.getTime()) break;
    slots.unshift(slot);
    cursor = slot;
  }
  return slots;
}

/** The id of a catch-up digest job: one per community and slot, so reconciling twice adds it once. */
export const catchUpDigestJobId = (communityId: string, slot: Date): string => `catchup-digest-${communityId}-${slot.getTime()}`;
