import type { DailySnapshot } from '../../domain/history.ts';

/** A member's enrollment or rating with the names a person reads in an export. */
export interface ActivityRow {
  memberExternalId: string;
  memberName: string;
  courseNumber: number;
  courseTitle: string;
  /** Enrolled at, or rated (last changed) at. */
  at: Date;
}

export interface RatingRow extends ActivityRow {
  stars: number;
  review: string | null;
}

/** One page of rows and the cursor of the next (absent on the last page). */
export interface RowPage<T> {
  rows: T[];
  next?: string;
}

/**
 * The community's history (one snapshot a day) and the row-by-row reads behind exports and
 * the dashboard. Pages are keyset-paged with opaque cursors, so an export of any size streams
 * with constant memory and never skips or repeats a row.
 */
export interface HistoryStore {
  /**
   * Saves the day's snapshot unless that community already has one for that day; true when this
   * call wrote it. Safe to race from any number of processes: exactly one wins.
   */
  saveDailySnapshot(snapshot: DailySnapshot): Promise<boolean>;
  /** Snapshots with `day` from `fromDay` on (inclusive), oldest first. */
  listDailySnapshots(communityId: string, fromDay: string): Promise<DailySnapshot[]>;
  /** Deletes every community's snapshots taken before `before`; returns how many. */
  pruneDailySnapshots(before: Date): Promise<number>;

  /** Enrollments with member and course names, in a stable order. */
  listEnrollmentRows(communityId: string, after: string | undefined, limit: number): Promise<RowPage<ActivityRow>>;
  /** Ratings with member and course names, in a stable order. */
  listRatingRows(communityId: string, after: string | undefined, limit: number): Promise<RowPage<RatingRow>>;
  /** The newest ratings that have a review. */
  listRecentReviews(communityId: string, limit: number): Promise<RatingRow[]>;
}
