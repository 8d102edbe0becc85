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
  /** `/privacy delete`: the member is gone; `courses` are those they were enrolled in (reminders to drop). */
  | { type: 'member-erased'; community: Community; member: Member; courses: Course[] };

export interface EventSink {
  publish(event: DomainEvent): Promise<void>;
}

/** Fans events out to listeners; a failing listener is reported, never fails the command. */
export class EventBus implements EventSink {
  private readonly listeners: ((event: DomainEvent) => Promise<void> | void)[] = [];
  constructor(private readonly onListenerError: (error: unknown, event: DomainEvent) => void = () => {}) {}

  subscribe(listener: (event: DomainEvent) => Promise<void> | void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  async publish(event: DomainEvent): Promise<void> {
    await Promise.all(
      this.listeners.map(async (listener) => {
        try {
          await listener(event);
        } catch (error) {
          this.onListenerError(error, event);
        }
      }),
    );
  }
}
