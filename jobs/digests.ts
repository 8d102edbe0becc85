import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { UnrecoverableError, type Job, type JobSchedulerJson } from 'bullmq';
import type { CommunityStore, CourseStore } from '../src/ports/store/index.ts';
import type { Messenger } from '../src/ports/messenger.ts';
import type { Logger } from '../src/ports/logger.ts';
import { resolveLocale, type MessageCatalog } from '../src/core/i18n.ts';
import { PLATFORMS, type Community, type Platform } from '../src/domain/model.ts';
import { buildDigest } from '../src/core/digest.ts';
import { digestPeriod } from '../src/domain/schedule.ts';
import { dropJob } from './dropped.ts';
import { deliverOnce, type DeliverDeps, type DeliveryOutcome } from './deliver.ts';
import { DEFAULT_JOB_OPTIONS, digestQueueName, type Queues } from './queues.ts';

const digestDataSchema = z.object({
  communityId: z.string().min(1),
  /** Set on a catch-up job (queued after Redis lost the scheduler's): the slot it stands for. */
  slot: z.number().int().optional(),
  stallRequeues: z.number().int().optional(),
});

/**
 * The delivery key of one community's digest slot: the scheduler's job id for that slot
 * (`repeat:<scheduler>:<millis>`, with dashes), so a catch-up job for a slot and the
 * scheduler's own job share one delivery record.
 */
export const digestDeliveryKey = (communityId: string, slot: Date): string => `repeat-${digestSchedulerId(communityId)}-${slot.getTime()}`;

/** One BullMQ job scheduler per community; its id is how settings changes find and replace it. */
export const digestSchedulerId = (communityId: string): string => `digest-${communityId}`;
const SCHEDULER_ID = /^digest-(.+)$/;
/** Upserts in flight during a bulk sync: enough to hide the round trip, few enough not to starve commands. */
const SYNC_CONCURRENCY = 32;

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
    // The job options are the queue's (DEFAULT_JOB_OPTIONS), which BullMQ adds to the template.
    await queue.upsertJobScheduler(id, { pattern: digest.schedule, tz: digest.timezone }, { name: 'digest', data: { communityId: community.id } });
    this.logger.debug({ community: community.id, scheduler: id, schedule: digest.schedule, timezone: digest.timezone }, 'digest scheduler upserted');
    return 'scheduled';
  }

  /**
   * Syncs many communities' schedulers with up to `concurrency` upserts in flight. They share
   * one connection, so their round trips overlap instead of adding up: at 10,000 communities
   * this is what keeps a bot's start-up reconcile short (see `npm run bench`, scale-communities).
   */
  async syncAll(communities: readonly Community[], options: SyncAllOptions = {}): Promise<number> {
    const concurrency = Math.max(1, options.concurrency ?? SYNC_CONCURRENCY);
    const todo = options.skipUnchanged ? await this.changed(communities) : communities;
    let next = 0;
    let synced = 0;
    const lane = async () => {
      while (next < todo.length) {
        if (options.stopped?.()) throw new Error('stopped while syncing digest schedulers');
        const community = todo[next++]!;
        await this.sync(community);
        synced++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, todo.length) }, lane));
    return synced;
  }

  /**
   * The communities whose scheduler Redis lacks or holds with another schedule or other job
   * options. Upserting a scheduler costs ~1 ms of CPU in BullMQ's cron computation (a weekly
   * pattern in a time zone), far more than reading it back, so a restart's reconcile skips the
   * unchanged ones. A scheduler upserted by an earlier version, whose template carries options
   * the workers now supply (how long finished jobs are kept), is upserted once more: that
   * replaces it and its next job in place (same ids), and its later jobs come out shorter.
   */
  private async changed(communities: readonly Community[]): Promise<Community[]> {
    const held = new Map<string, JobSchedulerJson>();
    for (const platform of new Set(communities.map((c) => c.platform))) {
      const queue = await this.queues.ready(digestQueueName(platform));
      for (const scheduler of await queue.getJobSchedulers(0, -1)) held.set(`${platform}/${scheduler.key}`, scheduler);
    }
    return communities.filter((community) => {
      const digest = community.settings.digest;
      const scheduler = held.get(`${community.platform}/${digestSchedulerId(community.id)}`);
      const data: unknown = scheduler?.template?.data;
      const communityId = data && typeof data === 'object' ? (data as { communityId?: unknown }).communityId : undefined;
      return (
        !digest ||
        !scheduler ||
        scheduler.pattern !== digest.schedule ||
        scheduler.tz !== digest.timezone ||
        communityId !== community.id ||
        !isDeepStrictEqual(scheduler.template?.opts ?? {}, DEFAULT_JOB_OPTIONS)
      );
    });
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

export interface SyncAllOptions {
  /** Upserts in flight at once. */
  concurrency?: number;
  /** Leave schedulers that already match the settings alone (a restart's reconcile). */
  skipUnchanged?: boolean;
  /** Checked between upserts: stop early when the process is shutting down. */
  stopped?: () => boolean;
}

export interface DigestProcessorDeps extends DeliverDeps {
  store: CourseStore & CommunityStore;
  catalog: MessageCatalog;
  messenger: Messenger;
  logger: Logger;
  priorWeight: number;
}

/** Scheduler job ids name their slot (`repeat:<scheduler>:<millis>`), even on a job re-added by hand. */
function slotOfJobId(id: string | undefined): number | undefined {
  const millis = /^repeat:.+:(\d+)$/.exec(id ?? '')?.[1];
  return millis === undefined ? undefined : Number(millis);
}

/** Posts one slot's digest to the community's channel, in the community's language. */
export function digestProcessor(deps: DigestProcessorDeps) {
  return async (job: Job, token?: string): Promise<DeliveryOutcome> => {
    const parsed = digestDataSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`digest ${job.id} has malformed data`);
    const community = await deps.store.getCommunity(parsed.data.communityId);
    if (!community) return dropJob(deps.logger, job, 'community', { community: parsed.data.communityId });
    const digest = community.settings.digest;
    if (!digest) return 'skipped:digest-off';
    // The slot this job stands for (its scheduled time), not when a worker got to it.
    const slot = new Date(parsed.data.slot ?? slotOfJobId(job.id) ?? job.opts.prevMillis ?? job.timestamp);
    const message = await buildDigest({
      store: deps.store,
      community,
      i18n: deps.catalog.translator(resolveLocale(community.settings.locale)),
      period: digestPeriod(community, slot),
      priorWeight: deps.priorWeight,
    });
    const key = digestDeliveryKey(community.id, slot);
    const outcome = await deliverOnce(job, token, key, deps, (delivery) => deps.messenger.postToChannel(community, digest.channelId, message, delivery));
    deps.logger.info(
      { job: job.id, community: community.id, channel: digest.channelId, outcome },
      outcome === 'sent' ? 'digest posted' : outcome === 'found-earlier' ? 'digest found on the platform from an earlier attempt; not posted again' : 'digest already posted; skipped',
    );
    return outcome;
  };
}
