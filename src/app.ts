import type { Config } from './config.ts';
import type { Logger } from './ports/logger.ts';
import type { Store } from './ports/store.ts';
import { EventBus } from './ports/events.ts';
import { systemClock, type Clock } from './ports/clock.ts';
import { MutableServiceStatus, type ServiceStatus } from './ports/services.ts';
import { unlimited, type RateLimiter } from './ports/rate-limiter.ts';
import { MessengerRegistry } from './ports/messenger.ts';
import type { CommandObserver } from './ports/observer.ts';
import type { RequestClaims } from './ports/request-claims.ts';
import { CommandRouter } from './core/router.ts';
import { createMessageCatalog, type MessageCatalog } from './core/i18n.ts';
import { LIMITS } from './domain/limits.ts';
import { createCommandRegistry } from '../commands/index.ts';
import { CohortAccessRegistry } from './ports/cohort-access.ts';
import { ConsoleCohortAccess } from '../adapters/console/cohort-access.ts';

/** Everything adapters and jobs attach to: one per process. */
export interface Core {
  router: CommandRouter;
  store: Store;
  events: EventBus;
  catalog: MessageCatalog;
  logger: Logger;
  clock: Clock;
  /** Jobs report here whether reminders and digests run; /help reads it. */
  services: ServiceStatus;
  /** Adapters register their messengers here; jobs deliver through it. */
  messengers: MessengerRegistry;
  /** Adapters register their roles and channels here (the console's is built in); commands and the cohort job use it. */
  access: CohortAccessRegistry;
}

export interface CoreOptions {
  store: Store;
  logger: Logger;
  config: Pick<Config, 'BAYES_PRIOR_WEIGHT'>;
  clock?: Clock;
  services?: ServiceStatus;
  rateLimiter?: RateLimiter;
  catalog?: MessageCatalog;
  /** Counts commands for /metrics. */
  observer?: CommandObserver;
}

/** What a platform adapter's factory receives. */
export interface AdapterDeps {
  core: Core;
  config: Config;
  logger: Logger;
  /** Shared with the other bot processes (Redis), so a redelivered request is handled once; else per process. */
  requestClaims?: RequestClaims;
}

/** Wires the command core around a store; adapters and jobs attach to what it returns. */
export function createCore(options: CoreOptions): Core {
  const { store, logger } = options;
  const events = new EventBus((error, event) => logger.error({ err: error, event: event.type }, 'event listener failed'));
  const catalog = options.catalog ?? createMessageCatalog();
  const clock = options.clock ?? systemClock;
  const services = options.services ?? new MutableServiceStatus();
  const access = new CohortAccessRegistry();
  access.register(new ConsoleCohortAccess(store));
  const router = new CommandRouter({
    access,
    store,
    commands: createCommandRegistry(),
    catalog,
    events,
    clock,
    services,
    rateLimiter: options.rateLimiter ?? unlimited,
    logger,
    settings: { priorWeight: options.config.BAYES_PRIOR_WEIGHT, coursesPerPage: LIMITS.coursesPerPage },
    ...(options.observer ? { observer: options.observer } : {}),
  });
  return { router, store, events, catalog, logger, clock, services, messengers: new MessengerRegistry(), access };
}
