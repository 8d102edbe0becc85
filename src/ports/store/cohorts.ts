import type { CourseAccess, EnrollmentGrant, GrantCounts, GrantState } from '../../domain/cohort.ts';

export type CourseAccessPatch = Partial<Omit<CourseAccess, 'courseId'>>;

/**
 * Cohort records (issue 17), scoped by community like every store method: a course's role,
 * channel and required role; each enrollment's grant state; and console roles, which have no
 * platform to live on. Reached as `store.cohorts`.
 */
export interface CohortStore {
  /** The course's access; all-null for a course that never had any. */
  getCourseAccess(communityId: string, courseId: string): Promise<CourseAccess>;
  /** Only the courses that have any access set, keyed by course id. */
  listCourseAccess(communityId: string, courseIds: readonly string[]): Promise<Map<string, CourseAccess>>;
  setCourseAccess(communityId: string, courseId: string, patch: CourseAccessPatch): Promise<CourseAccess>;

  getGrant(communityId: string, memberId: string, courseId: string): Promise<EnrollmentGrant | null>;
  /** Grants of a course's enrollees, by member id; enrollees without one are absent. */
  listGrants(communityId: string, courseId: string): Promise<EnrollmentGrant[]>;
  setGrant(communityId: string, memberId: string, courseId: string, roleId: string | null, state: GrantState, at: Date): Promise<void>;
  setLapsed(communityId: string, memberId: string, courseId: string, lapsed: boolean, at: Date): Promise<void>;
  clearGrant(communityId: string, memberId: string, courseId: string): Promise<void>;
  /**
   * Counts over the course's current enrollees against its current grant target: its role, else
   * its channel (`grantTarget`), as `setGrant` records it.
   */
  grantCounts(communityId: string, courseId: string, roleId: string | null): Promise<GrantCounts>;
  /** Courses (ids) with enrollees whose grant (or channel invite) is refused or not yet done. */
  coursesNeedingSync(communityId: string): Promise<string[]>;

  /** Console roles: a platform without roles of its own keeps them here, by member external id. */
  grantConsoleRole(communityId: string, memberExternalId: string, role: string): Promise<boolean>;
  revokeConsoleRole(communityId: string, memberExternalId: string, role: string): Promise<boolean>;
  listConsoleRoles(communityId: string, memberExternalId: string): Promise<string[]>;
}
