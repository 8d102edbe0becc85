import type { Config } from './config.ts';
import type { Logger } from '../ports/logger.ts';
import type { Store } from '../ports/store/index.ts';
import { EventBus } from '../core/event-bus.ts';
import { systemClock, type Clock } from '../ports/clock.ts';
import type { ServiceStatusBoard } from '../ports/services.ts';
import { MutableServiceStatus } from '../core/service-status.ts';
import { unlimited, type RateLimiter } from '../ports/rate-limiter.ts';
import { MessengerRegistry } from '../core/messenger-registry.ts';
import type { CommandObserver } from '../ports/observer.ts';
import { CommandRouter } from '../core/router.ts';
import { createMessageCatalog, type MessageCatalog } from '../core/i18n.ts';
import { LIMITS } from '../domain/limits.ts';
import { createCommandRegistry } from '../../commands/index.ts';
import type { Command } from '../core/command.ts';
import type { Analytics, ChartRenderer } from '../ports/analytics.ts';
import { EchartsChartRenderer } from '../infra/charts/echarts-renderer.ts';
import type { Core } from '../core/facade.ts';
import { CohortAccessRegistry } from '../core/cohort-access-registry.ts';
import { ConsoleCohortAccess } from '../../adapters/console/cohort-access.ts';

export type { Core } from '../core/facade.ts';

export interface CoreOptions {
  store: Store;
  logger: Logger;
  config: Pick<Config, 'BAYES_PRIOR_WEIGHT'>;
  clock?: Clock;
  services?: ServiceStatusBoard;
  rateLimiter?: RateLimiter;
  catalog?: MessageCatalog;
  /** Counts commands for /metrics. */
  observer?: CommandObserver;
  /** Commands besides the built-in ones (tests drive adapters with commands of their own). */
  extraCommands?: readonly Command[];
  /** Charts for /stats; default ECharts rendered on the server. */
  charts?: ChartRenderer;
}

/** Wires the command core around a store; adapters and jobs attach to what it returns. */
export function createCore(options: CoreOptions): Core {
  const { store, logger } = options;
  const events = new EventBus((error, event) => logger.error({ err: error, event: event.type }, 'event listener failed'));
  const catalog = options.catalog ?? createMessageCatalog();
  const clock = options.clock ?? systemClock;
  const services = options.services ?? new MutableServiceStatus();
  const analytics: Analytics = { charts: options.charts ?? new EchartsChartRenderer(), dashboard: null };
  const access = new CohortAccessRegistry();
  access.register(new ConsoleCohortAccess(store));
  const router = new CommandRouter({
    access,
    store,
    commands: createCommandRegistry(options.extraCommands),
    catalog,
    events,
    clock,
    services,
    rateLimiter: options.rateLimiter ?? unlimited,
    logger,
    settings: { priorWeight: options.config.BAYES_PRIOR_WEIGHT, coursesPerPage: LIMITS.coursesPerPage },
    ...(options.observer ? { observer: options.observer } : {}),
    analytics,
  });
  return { router, store, events, catalog, logger, clock, services, messengers: new MessengerRegistry(), access, analytics };
}
