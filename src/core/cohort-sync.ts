import type { Community } from '../domain/model.ts';
import { grantWork, targetChannel, type GrantCounts } from '../domain/cohort.ts';
import type { CommandStore } from '../ports/store/index.ts';
import type { AccessRefusal, CohortAccess, GrantOutcome } from '../ports/cohort-access.ts';
import type { Clock } from '../ports/clock.ts';
import type { Logger } from '../ports/logger.ts';

export interface CohortSyncDeps {
  store: CommandStore;
  access: CohortAccess;
  clock: Clock;
  logger: Logger;
}

export interface CohortSyncOptions {
  /** Checked before each enrollee: a stopping process leaves the rest to the next run. */
  shouldStop?: () => boolean;
  /** Called every `progressEvery` enrollees and at the end. */
  onProgress?: (progress: CohortSyncProgress) => Promise<void> | void;
  progressEvery?: number;
}

export interface CohortSyncProgress {
  courseId: string;
  /** Enrollees looked at so far, of `total`. */
  seen: number;
  total: number;
  granted: number;
  revoked: number;
  /** Members no longer on the platform: recorded as `left`, not retried. */
  left: number;
  refused: number;
}

export type CohortSyncResult = CohortSyncProgress & {
  outcome: 'done' | 'stopped' | 'refused';
  /** Why the platform refused (the pass stops at the first refusal: the rest would fail alike). */
  refusal?: AccessRefusal;
  /** The refusal is one retrying cannot fix (a channel invite a moderator must unblock). */
  permanent?: boolean;
};

/**
 * A channel invite the platform refused for a reason only a moderator can change (the channel
 * is gone or archived, the bot is not in it, a scope is missing): retrying cannot fix it, so the
 * job stops and the refusal says what to do. Only `platformError` (rate limits, network, 5xx)
 * is worth trying again. Role refusals keep being retried until the permission is back.
 */
export function isPermanentInviteRefusal(refusal: AccessRefusal): boolean {
  return refusal.code !== 'platformError';
}

/**
 * Brings one course's enrollees in line with its role or channel: revokes a role the course no
 * longer has, grants its current one (or invites to its channel). Every grant is recorded in the store as soon as the platform confirms
 * it, so a pass stopped half-way (a restart) resumes where it was and grants nobody twice.
 */
export async function syncCourseGrants(deps: CohortSyncDeps, community: Community, courseId: string, options: CohortSyncOptions = {}): Promise<CohortSyncResult> {
  const { store, access: platform, clock, logger } = deps;
  const access = await store.cohorts.getCourseAccess(community.id, courseId);
  const enrollments = await store.listEnrollments(community.id, { courseId });
  const grants = new Map((await store.cohorts.listGrants(community.id, courseId)).map((g) => [g.memberId, g]));
  const progress: CohortSyncProgress = { courseId, seen: 0, total: enrollments.length, granted: 0, revoked: 0, left: 0, refused: 0 };
  const every = options.progressEvery ?? 25;
  const report = async () => options.onProgress?.({ ...progress });

  for (const enrollment of enrollments) {
    if (options.shouldStop?.()) return { ...progress, outcome: 'stopped' };
    progress.seen++;
    const grant = grants.get(enrollment.memberId) ?? null;
    const work = grantWork(access, grant);
    if (work.revoke === null && work.grant === null) continue;
    const member = await store.getMember(community.id, enrollment.memberId);
    if (!member) continue;
    const now = clock.now();
    if (work.revoke !== null) {
      const outcome = await call(() => platform.revokeRole(community, member.externalId, work.revoke!), logger);
      if (outcome.kind === 'refused') {
        progress.refused++;
        await report();
        return { ...progress, outcome: 'refused', refusal: outcome.refusal };
      }
      if (outcome.kind === 'done') progress.revoked++;
      await store.cohorts.setGrant(community.id, member.id, courseId, null, 'none', now);
    }
    if (work.grant !== null) {
      const channel = targetChannel(work.grant);
      const outcome = await call(
        () => (channel !== null ? platform.inviteToChannel(community, member.externalId, channel) : platform.grantRole(community, member.externalId, work.grant!)),
        logger,
      );
      const state = outcome.kind === 'done' ? 'granted' : outcome.kind === 'gone' ? 'left' : 'refused';
      await store.cohorts.setGrant(community.id, member.id, courseId, work.grant, state, now);
      if (outcome.kind === 'refused') {
        progress.refused++;
        await report();
        return { ...progress, outcome: 'refused', refusal: outcome.refusal, permanent: channel !== null && isPermanentInviteRefusal(outcome.refusal) };
      }
      if (outcome.kind === 'done') progress.granted++;
      else progress.left++;
    }
    if (progress.seen % every === 0) await report();
  }
  await report();
  return { ...progress, outcome: 'done' };
}

/** Whether anything is left for the sync job in this course (the counts /course show prints). */
export function syncPending(counts: GrantCounts): boolean {
  return counts.waiting > 0 || counts.refused > 0;
}

async function call(work: () => Promise<GrantOutcome>, logger: Logger): Promise<GrantOutcome> {
  try {
    return await work();
  } catch (error) {
    logger.warn({ err: error }, 'cohort call to the platform failed; the sync job tries again later');
    return { kind: 'refused', refusal: { code: 'platformError' } };
  }
}
