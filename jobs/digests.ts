import { z } from 'zod';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Store } from '../src/ports/store.ts';
import type { Messenger } from '../src/ports/messenger.ts';
import type { Logger } from '../src/ports/logger.ts';
import { resolveLocale, type MessageCatalog } from '../src/core/i18n.ts';
import { PLATFORMS, type Community, type Platform } from '../src/domain/model.ts';
import { buildDigest, digestPeriod } from '../commands/digest.ts';
import { deliverOnce, type DeliverDeps } from './deliver.ts';
import { DEFAULT_JOB_OPTIONS, digestQueueName, type Queues } from './queues.ts';

const digestDataSchema = z.object({ communityId: z.string().min(1) });

/** One BullMQ job scheduler per community; its id is how settings changes find and replace it. */
export const digestSchedulerId = (communityId: string): string => `digest-${communityId}`;
const SCHEDULER_ID = /^digest-(.+)$/;

/**
 * Keeps each community's digest scheduler in step with its settings. A job scheduler makes one
 * job per slot with an id derived from the slot's time, so any number of processes may upsert
 * the same scheduler and still produce one job per slot.
 */
export class DigestScheduler {
  constructor(
    private readonly queues: Queues,
    private readonly logger: Logger,
  ) {}

  /** Creates, replaces or removes the community's scheduler to match its settings. */
  async sync(community: Community): Promise<'scheduled' | 'removed'> {
    const queue = await this.queues.ready(digestQueueName(community.platform));
    const id = digestSchedulerId(community.id);
    const digest = community.settings.digest;
    if (!digest) {
      if (await queue.removeJobScheduler(id)) this.logger.info({ community: community.id, scheduler: id }, 'digest scheduler removed');
      return 'removed';
    }
    await queue.upsertJobScheduler(
      id,
      { pattern: digest.schedule, tz: digest.timezone },
      { name: 'digest', data: { communityId: community.id }, opts: DEFAULT_JOB_OPTIONS },
    );
    this.logger.debug({ community: community.id, scheduler: id, schedule: digest.schedule, timezone: digest.timezone }, 'digest scheduler upserted');
    return 'scheduled';
  }

  /** Removes schedulers of communities whose digest was turned off while Redis was away. */
  async prune(keep: ReadonlySet<string>, platforms: readonly Platform[] = PLATFORMS): Promise<number> {
    let removed = 0;
    for (const platform of platforms) {
      const queue = await this.queues.ready(digestQueueName(platform));
      for (const scheduler of await queue.getJobSchedulers(0, -1)) {
        const communityId = SCHEDULER_ID.exec(scheduler.key)?.[1];
        if (communityId !== undefined && !keep.has(communityId) && (await queue.removeJobScheduler(scheduler.key))) removed++;
      }
    }
    return removed;
  }
}

export interface DigestProcessorDeps extends DeliverDeps {
  store: Store;
  catalog: MessageCatalog;
  messenger: Messenger;
  logger: Logger;
  priorWeight: number;
}

export type DigestOutcome = 'sent' | 'duplicate' | `skipped:${string}`;

/** Posts one slot's digest to the community's channel, in the community's language. */
export function digestProcessor(deps: DigestProcessorDeps) {
  return async (job: Job, token?: string): Promise<DigestOutcome> => {
    const parsed = digestDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`digest ${job.id} has malformed data`);
    const community = await deps.store.getCommunity(parsed.data.communityId);
    if (!community) return 'skipped:community-gone';
    const digest = community.settings.digest;
    if (!digest) return 'skipped:digest-off';
    // The slot this job stands for (its scheduled time), not when a worker got to it.
    const slot = new Date(job.opts.prevMillis ?? job.timestamp);
    const message = await buildDigest({
      store: deps.store,
      community,
      i18n: deps.catalog.translator(resolveLocale(community.settings.locale)),
      period: digestPeriod(community, slot),
      priorWeight: deps.priorWeight,
    });
    // Scheduler job ids are unique per slot (`repeat:<scheduler>:<millis>`).
    const key = (job.id ?? `${digestSchedulerId(community.id)}:${slot.getTime()}`).replaceAll(':', '-');
    const outcome = await deliverOnce(job, token, key, deps, () => deps.messenger.postToChannel(community, digest.channelId, message));
    deps.logger.info({ job: job.id, community: community.id, channel: digest.channelId, outcome }, outcome === 'sent' ? 'digest posted' : 'digest already posted; skipped');
    return outcome;
  };
}
