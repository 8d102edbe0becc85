import { resolveCourse } from '../src/core/course-ref.ts';
import { UserError } from '../src/domain/errors.ts';
import { LIMITS } from '../src/domain/limits.ts';
import { communityMean } from '../src/domain/score.ts';
import type { CommandStore } from '../src/ports/store/index.ts';
import type { SeededCommunity } from './fixtures/community.ts';
import { courseRef } from './core-requests.ts';
import type { PlannedOp } from './core-plan.ts';

export type RawOutcome = 'ok' | 'user-error';

/**
 * The ceiling: exactly the store calls, in the same order and with the same branches, that the
 * router and the command make for one request (community and member lookups included), with no
 * parsing, validation, i18n or reply.
 * The outcome mirrors the router's so the bench can check both did the same work.
 */
export async function runRaw(store: CommandStore, seeded: SeededCommunity, op: PlannedOp, priorWeight: number): Promise<RawOutcome> {
  const actor = seeded.members[op.member]!.member;
  // The router's own lookups: the community, then the member (a write only when new or renamed).
  const community = await store.findCommunity(seeded.ref);
  if (!community) throw new Error('the bench community is missing');
  const known = await store.findMember(community.id, actor.externalId);
  const member = known && known.displayName === actor.displayName ? known : await store.upsertMember(community.id, actor.externalId, actor.displayName);
  const cid = community.id;
  try {
    switch (op.command) {
      case 'courses': {
        const sort = op.sort ?? 'top';
        const prior = sort === 'top' ? { mean: communityMean([await store.activeRatingTotals(cid)]), weight: priorWeight } : undefined;
        const page = op.page ?? 1;
        const result = await store.listCourses(cid, {
          ...(op.query ? { text: op.query } : {}),
          sort,
          ...(prior ? { prior } : {}),
          offset: (page - 1) * LIMITS.coursesPerPage,
          limit: LIMITS.coursesPerPage,
        });
        if (result.total === 0) return 'ok';
        if (page > Math.ceil(result.total / LIMITS.coursesPerPage)) return 'user-error';
        await store.cohorts.listCourseAccess(cid, result.items.map((c) => c.id));
        return 'ok';
      }
      case 'enroll': {
        const course = await resolveCourse(store, cid, courseRef(seeded.courses[op.course]!, op.ref), { includeArchived: true });
        if (await store.isEnrolled(cid, member.id, course.id)) return 'ok';
        if (course.archived) return 'user-error';
        await store.cohorts.getCourseAccess(cid, course.id);
        await store.enroll(cid, member.id, course.id, new Date());
        return 'ok';
      }
      case 'rate': {
        const course = await resolveCourse(store, cid, courseRef(seeded.courses[op.course]!, op.ref), { includeArchived: true });
        if (course.archived) return 'user-error';
        if (!(await store.isEnrolled(cid, member.id, course.id))) return 'user-error';
        // No course in the bench is members-only, so the role check and setLapsed never run.
        await store.cohorts.getCourseAccess(cid, course.id);
        await store.rate(cid, member.id, course.id, op.stars, op.review ?? null, new Date());
        return 'ok';
      }
      case 'score': {
        if (op.course === undefined) {
          await Promise.all([store.listActiveCourses(cid), store.countMembers(cid), store.listScoreSnapshots(cid, 1)]);
          return 'ok';
        }
        const course = await resolveCourse(store, cid, courseRef(seeded.courses[op.course]!, op.ref), { includeArchived: true });
        await Promise.all([store.listActiveCourses(cid), store.starHistogram(cid, course.id), store.isEnrolled(cid, member.id, course.id)]);
        return 'ok';
      }
    }
  } catch (error) {
    if (error instanceof UserError) return 'user-error';
    throw error;
  }
}
