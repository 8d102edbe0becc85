import type { DomainEvent, EventSink } from '../ports/events.ts';

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
