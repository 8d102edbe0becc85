import { buildDailySnapshot, communityTimeZone, dayIn, type DailySnapshot } from '../domain/history.ts';
import type { Community, Course } from '../domain/model.ts';
import type { CommunityStore, CourseStore, HistoryStore } from '../ports/store/index.ts';

export type HistoryStoreView = CommunityStore & CourseStore & HistoryStore;

/** What a snapshot is built from; a caller that has just read them (the recompute) passes them in. */
export interface CommunityFigures {
  courses: Course[];
  memberCount: number;
}

async function readFigures(store: HistoryStoreView, communityId: string): Promise<CommunityFigures> {
  const [courses, memberCount] = await Promise.all([store.listActiveCourses(communityId), store.countMembers(communityId)]);
  return { courses, memberCount };
}

export interface TodaySnapshot {
  snapshot: DailySnapshot;
  /** True when this call wrote it (the first of the day, in any process). */
  saved: boolean;
}

/**
 * Takes the community's snapshot for today (its time zone) unless one exists: the recompute job
 * calls it on every run, /stats before it reads (so a community's first /stats already has a
 * point, not tomorrow). The store's unique day key decides between racing processes.
 */
export async function snapshotToday(store: HistoryStoreView, community: Community, now: Date, priorWeight: number, read?: CommunityFigures): Promise<TodaySnapshot> {
  const day = dayIn(now, communityTimeZone(community));
  const { courses, memberCount } = read ?? (await readFigures(store, community.id));
  const snapshot = buildDailySnapshot({ communityId: community.id, day, takenAt: now, memberCount, courses, priorWeight });
  return { snapshot, saved: await store.saveDailySnapshot(snapshot) };
}
