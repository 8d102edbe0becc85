import type { CourseFigures, DailySnapshot } from '../../domain/history.ts';
import type { Community, Course, ScoreSnapshot } from '../../domain/model.ts';

export interface CourseAggregateRepair {
  courseId: string;
  before: Pick<Course, 'ratingCount' | 'ratingSum' | 'enrolledCount'>;
  after: Pick<Course, 'ratingCount' | 'ratingSum' | 'enrolledCount'>;
}

/** The course aggregates' repair from the rows, and the history of community scores. */
export interface ScoreStore {
  /** Recounts every course's aggregates from the rows and fixes any drift; returns what changed. */
  recomputeAggregates(communityId: string): Promise<CourseAggregateRepair[]>;
  saveScoreSnapshot(snapshot: ScoreSnapshot): Promise<void>;
  /** Newest first. */
  listScoreSnapshots(communityId: string, limit: number): Promise<ScoreSnapshot[]>;
}

/** Everything a score recompute reads about one community. */
export interface CommunityRecount {
  community: Community;
  /** The drift found and repaired, as recomputeAggregates reports it. */
  repairs: CourseAggregateRepair[];
  /** The active courses in number order, with their aggregates as counted from the rows. */
  courses: CourseFigures[];
  memberCount: number;
  /** The newest score snapshot; null before the first. */
  latest: ScoreSnapshot | null;
}

/** One community's writes after a recompute. */
export interface RecomputeWrite {
  /** A score snapshot to add; null when the score has not changed since the newest. */
  score: ScoreSnapshot | null;
  /** The day's snapshot, added unless the community has that day already (as saveDailySnapshot); null for none. */
  daily: DailySnapshot | null;
}

/** Per write: whether this call wrote the daily snapshot, or why the community's write failed. */
export type RecomputeWriteOutcome = { ok: true; dailySaved: boolean } | { ok: false; error: Error };

/** The periodic score recompute's reads and writes, for a page of communities at a time. */
export interface RecomputeStore {
  /**
   * Recounts the community's course aggregates from the rows and repairs drift (compare-and-set,
   * as recomputeAggregates), and reads what its score needs, in one pass; null when the
   * community does not exist.
   */
  recountCommunity(communityId: string): Promise<CommunityRecount | null>;
  /**
   * Saves many communities' recompute writes at once (one transaction on SQLite). Each write
   * stands or falls alone: a failing one is reported in its outcome and the others are still
   * written. Rejects only when the store cannot write at all (busy, unavailable); on SQLite
   * nothing is written then.
   */
  saveRecomputes(writes: readonly RecomputeWrite[]): Promise<RecomputeWriteOutcome[]>;
}
