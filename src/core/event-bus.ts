import type { DomainEvent, EventSink, PublishOutcome } from '../ports/events.ts';

/** A listener says `queued` when its work goes on after it returned (see PublishOutcome). */
export type EventListener = (event: DomainEvent) => Promise<PublishOutcome | void> | PublishOutcome | void;

/** Fans events out to listeners; a failing listener is reported, never fails the command. */
export class EventBus implements EventSink {
  private readonly listeners: EventListener[] = [];
  constructor(private readonly onListenerError: (error: unknown, event: DomainEvent) => void = () => {}) {}

  subscribe(listener: EventListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  async publish(event: DomainEvent): Promise<PublishOutcome> {
    const outcomes = await Promise.all(
      this.listeners.map(async (listener): Promise<PublishOutcome> => {
        try {
          return (await listener(event)) ?? 'done';
        } catch (error) {
          this.onListenerError(error, event);
          return 'done';
        }
      }),
    );
    return outcomes.includes('queued') ? 'queued' : 'done';
  }
}
