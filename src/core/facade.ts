import type { DomainEvent, EventSink } from '../ports/events.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Messenger } from '../ports/messenger.ts';
import type { ServiceStatus } from '../ports/services.ts';
import type { Store } from '../ports/store.ts';
import type { CommandRouter } from './router.ts';
import type { MessageCatalog } from './i18n.ts';

/**
 * The core as the outer layers see it: adapters and jobs import these names from here, never
 * from the composition root that builds them.
 */
export type { Actor, CommandInput, CommandRequest, CommandResult, CommunityIdentity } from './router.ts';
export type { Surface } from './command.ts';
export type { MessageCatalog, Translator } from './i18n.ts';

/** Domain events, for those who publish (commands) and those who listen (jobs). */
export interface DomainEvents extends EventSink {
  subscribe(listener: (event: DomainEvent) => Promise<void> | void): () => void;
}

/** Where adapters put their messengers and jobs deliver through them, by platform. */
export interface Messengers extends Messenger {
  register(messenger: Messenger): void;
}

/** Everything adapters and jobs attach to: one per process. */
export interface Core {
  router: CommandRouter;
  store: Store;
  events: DomainEvents;
  catalog: MessageCatalog;
  logger: Logger;
  clock: Clock;
  /** Jobs report here whether reminders and digests run; /help reads it. */
  services: ServiceStatus;
  /** Adapters register their messengers here; jobs deliver through it. */
  messengers: Messengers;
}
