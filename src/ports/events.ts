import type { Community, Course, Locale, Member } from '../domain/model.ts';

/**
 * What happened, told after a command's writes have committed. Jobs listen to schedule
 * reminders and recomputes; the core never knows who listens.
 */
export type DomainEvent =
  /** `locale`: the language the member used, so reminders reach them in it. */
  | { type: 'enrolled'; community: Community; member: Member; course: Course; locale: Locale }
  | { type: 'unenrolled'; community: Community; member: Member; course: Course }
  | { type: 'rated'; community: Community; member: Member; course: Course; stars: number }
  | { type: 'course-created'; community: Community; course: Course }
  | { type: 'course-updated'; community: Community; course: Course; before: Course }
  | { type: 'course-archived'; community: Community; course: Course }
  | { type: 'reminders-toggled'; community: Community; member: Member; enabled: boolean }
  | { type: 'settings-changed'; community: Community }
  /** A course's role changed, or a grant was refused: its enrollees' grants need another pass. */
  | { type: 'cohort-sync'; community: Community; course: Course }
  /** `/privacy delete`: the member is gone; `courses` are those they were enrolled in (reminders to drop). */
  | { type: 'member-erased'; community: Community; member: Member; courses: Course[] };

/**
 * What publishing achieved: `done` when every listener finished (what a command scheduled is in
 * Redis), `queued` when one is still at work past its time limit and will finish in the
 * background (the process drains it before it exits), so the reply can say so.
 */
export type PublishOutcome = 'done' | 'queued';

export interface EventSink {
  publish(event: DomainEvent): Promise<PublishOutcome>;
}
