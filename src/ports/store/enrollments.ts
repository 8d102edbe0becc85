import type { Community, Course, Enrollment, Member, Rating, StarHistogram } from '../../domain/model.ts';

export interface MemberCourse {
  course: Course;
  enrolledAt: Date;
  rating: Pick<Rating, 'stars' | 'review' | 'updatedAt'> | null;
}

/** Filters for listEnrollments; both optional, combined with AND. */
export interface EnrollmentQuery {
  courseId?: string;
  /** Only enrollments made at or after this instant. */
  enrolledSince?: Date;
}

export type EnrollOutcome = 'enrolled' | 'already-enrolled';
export type UnenrollOutcome = 'unenrolled' | 'not-enrolled';

export interface RateOutcome {
  /** The stars this member had given before, if any (a new rating replaces it). */
  previous: number | null;
  course: Course;
}

/** Members' enrollments in courses and their ratings; each write keeps the course's aggregates. */
export interface EnrollmentStore {
  enroll(communityId: string, memberId: string, courseId: string, at: Date): Promise<EnrollOutcome>;
  unenroll(communityId: string, memberId: string, courseId: string): Promise<UnenrollOutcome>;
  isEnrolled(communityId: string, memberId: string, courseId: string): Promise<boolean>;
  /** Whether the member has rated the course (a reminder to rate it is then moot). */
  hasRated(communityId: string, memberId: string, courseId: string): Promise<boolean>;
  listMemberCourses(communityId: string, memberId: string): Promise<MemberCourse[]>;
  /** Members enrolled in a course (for reminders and digests). */
  listEnrolledMemberIds(communityId: string, courseId: string): Promise<string[]>;
  /**
   * Enrollments with their dates, oldest first (ties by member id, then course id): jobs use it
   * to re-create reminders from the store after Redis was unreachable or lost its data.
   */
  listEnrollments(communityId: string, query: EnrollmentQuery): Promise<Enrollment[]>;

  /** Creates or replaces a member's rating and updates the course aggregates in one transaction. */
  rate(communityId: string, memberId: string, courseId: string, stars: number, review: string | null, at: Date): Promise<RateOutcome>;
  starHistogram(communityId: string, courseId: string): Promise<StarHistogram>;
}

/** Everything a reminder checks about one enrollment; null where the row is not in the store. */
export interface EnrollmentContext {
  community: Community | null;
  member: Member | null;
  course: Course | null;
  enrolled: boolean;
  /** Whether the member has rated the course (a reminder to rate it is then moot). */
  rated: boolean;
}

export interface EnrollmentContextStore {
  /**
   * The community, the member and the course, and whether the member is enrolled in and has
   * rated it, in one read (SQLite: one read transaction, so one snapshot; each is scoped by
   * the community as the single reads are).
   */
  enrollmentContext(communityId: string, memberId: string, courseId: string): Promise<EnrollmentContext>;
}
