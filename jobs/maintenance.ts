import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Job } from 'bullmq';
import type { Clock } from '../src/ports/clock.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { Store } from '../src/ports/store/index.ts';
import { supportsOnlineBackup } from '../src/ports/store/transfer.ts';
import type { Queues } from './queues.ts';

export const MAINTENANCE_QUEUE = 'maintenance';
const PURGE = 'purge-removed';
const BACKUP = 'backup';
const PURGE_SCHEDULER_ID = 'purge-removed-every';
const BACKUP_SCHEDULER_ID = 'backup-every';
const THROWAWAY = { removeOnComplete: 100, removeOnFail: 100, attempts: 3, backoff: { type: 'exponential', delay: 60_000 } } as const;
/** Scheduled backups are named so that names sort by time; only these are pruned. */
const BACKUP_NAME = /^syllabot-\d{8}T\d{6}Z\.sqlite$/;

export interface MaintenanceSettings {
  gracePeriodMs: number;
  purgeEveryMs: number;
  backup: { dir: string; keep: number; everyMs: number } | null;
}

/**
 * The grace-period purge (always) and scheduled SQLite backups (when BACKUP_DIR is set): one
 * BullMQ job scheduler each, so however many processes upsert them, each runs once a period.
 */
export class MaintenanceScheduler {
  constructor(
    private readonly queues: Queues,
    private readonly settings: MaintenanceSettings,
  ) {}

  async ensureSchedules(): Promise<void> {
    const queue = await this.queues.ready(MAINTENANCE_QUEUE);
    await queue.upsertJobScheduler(PURGE_SCHEDULER_ID, { every: this.settings.purgeEveryMs }, { name: PURGE, opts: THROWAWAY });
    if (this.settings.backup) await queue.upsertJobScheduler(BACKUP_SCHEDULER_ID, { every: this.settings.backup.everyMs }, { name: BACKUP, opts: THROWAWAY });
    else await queue.removeJobScheduler(BACKUP_SCHEDULER_ID);
  }
}

export interface MaintenanceDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  settings: MaintenanceSettings;
}

export function maintenanceProcessor(deps: MaintenanceDeps) {
  return async (job: Job): Promise<string> => {
    if (job.name === PURGE) return `purged:${await purgeRemovedCommunities(deps)}`;
    if (job.name === BACKUP) return scheduledBackup(deps);
    deps.logger.warn({ job: job.name }, 'unknown maintenance job dropped');
    return 'dropped';
  };
}

/** Deletes every community whose grace period is over; returns how many. */
export async function purgeRemovedCommunities(deps: Pick<MaintenanceDeps, 'store' | 'clock' | 'logger' | 'settings'>): Promise<number> {
  const due = await deps.store.listCommunitiesRemovedBefore(new Date(deps.clock.now().getTime() - deps.settings.gracePeriodMs));
  for (const community of due) {
    const purged = await deps.store.purgeCommunity(community.id);
    deps.logger.info(
      { community: community.id, platform: community.platform, externalId: community.externalId, removedAt: community.removedAt?.toISOString(), purged },
      'community purged: the bot was removed and the grace period is over',
    );
  }
  return due.length;
}

/** One backup into BACKUP_DIR, then the oldest scheduled ones beyond BACKUP_KEEP are deleted. */
export async function scheduledBackup(deps: Pick<MaintenanceDeps, 'store' | 'clock' | 'logger' | 'settings'>): Promise<string> {
  const backup = deps.settings.backup;
  if (!backup) return 'off';
  if (!supportsOnlineBackup(deps.store)) {
    deps.logger.warn({ store: deps.store.kind }, 'scheduled backups are for SQLite; back MongoDB up with mongodump (see README)');
    return 'unsupported';
  }
  const dir = resolve(backup.dir);
  const stamp = deps.clock.now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = join(dir, `syllabot-${stamp}.sqlite`);
  await deps.store.backupTo(file);
  const kept = readdirSync(dir).filter((name) => BACKUP_NAME.test(name)).sort();
  const removed = kept.slice(0, Math.max(0, kept.length - backup.keep));
  for (const name of removed) rmSync(join(dir, name), { force: true });
  deps.logger.info({ file, removed: removed.length }, 'scheduled backup written');
  return `written:${file}`;
}
