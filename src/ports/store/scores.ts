import type { Course, ScoreSnapshot } from '../../domain/model.ts';

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
