import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';
import type { Analytics } from '../ports/analytics.ts';
import type { ServiceStatusBoard } from '../ports/services.ts';
import type { Store } from '../ports/store/index.ts';
import type { EventBus } from './event-bus.ts';
import type { MessengerRegistry } from './messenger-registry.ts';
import type { CommandRouter } from './router.ts';
import type { MessageCatalog } from './i18n.ts';
import type { CohortAccessRegistry } from './cohort-access-registry.ts';

/**
 * The core as the outer layers see it: adapters and jobs import these names from here, never
 * from the composition root that builds them.
 */
export type { Actor, CommandInput, CommandRequest, CommandResult, CommunityIdentity } from './router.ts';
export type { Surface } from './command.ts';
export type { MessageCatalog, Translator } from './i18n.ts';

/** Everything adapters and jobs attach to: one per process. */
export interface Core {
  router: CommandRouter;
  store: Store;
  events: EventBus;
  catalog: MessageCatalog;
  logger: Logger;
  clock: Clock;
  /** Jobs report here whether reminders and digests run; /help reads it. */
  services: ServiceStatusBoard;
  /** Adapters register their messengers here; jobs deliver through it. */
  messengers: MessengerRegistry;
  /** The chart renderer and, once the dashboard runs, its links. */
  analytics: Analytics;
  /** Adapters register their roles and channels here (the console's is built in); commands and the cohort job use it. */
  access: CohortAccessRegistry;
}
