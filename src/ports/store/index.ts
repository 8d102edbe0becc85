import type { CommunityStore } from './communities.ts';
import type { CourseStore } from './courses.ts';
import type { EnrollmentContextStore, EnrollmentStore } from './enrollments.ts';
import type { InstallationStore } from './installations.ts';
import type { RecomputeStore, ScoreStore } from './scores.ts';
import type { HistoryStore } from './history.ts';
import type { PrivacyStore } from './privacy.ts';
import type { CohortStore } from './cohorts.ts';
import type { DeliveryRecords } from './deliveries.ts';

export type { CommunityStore } from './communities.ts';
export type { CoursePage, CoursePatch, CourseQuery, CourseSort, CourseStore, NewCourse } from './courses.ts';
export type { EnrollmentContext, EnrollmentContextStore, EnrollmentQuery, EnrollmentStore, EnrollOutcome, MemberCourse, RateOutcome, UnenrollOutcome } from './enrollments.ts';
export type { Installation, InstallationRef, InstallationStore } from './installations.ts';
export type { CommunityRecount, CourseAggregateRepair, RecomputeStore, RecomputeWrite, RecomputeWriteOutcome, ScoreStore } from './scores.ts';
export type { ActivityRow, HistoryStore, RatingRow, RowPage } from './history.ts';
export type { ErasedMember, MemberData, PrivacyStore, PurgedCommunity } from './privacy.ts';
export type { CohortStore, CourseAccessPatch } from './cohorts.ts';
export type { DeliveryClaim, DeliveryRecord, DeliveryRecords } from './deliveries.ts';

/**
 * The persistence port, split by aggregate: each part is its own interface, so code types the
 * store it is handed as only the parts it uses (commands never see installations, the Slack
 * adapter sees little else). Every method is scoped by community id: no method can read or
 * write another community's rows. Both stores (SQLite, MongoDB) pass the same contract suite.
 */
export interface Store extends CommunityStore, CourseStore, EnrollmentStore, EnrollmentContextStore, ScoreStore, RecomputeStore, InstallationStore, HistoryStore, PrivacyStore {
  readonly kind: 'sqlite' | 'mongo';
  /** Course roles, channels and members-only access (issue 17). */
  readonly cohorts: CohortStore;
  /** What reminders and digests were sent (jobs only): it must outlive Redis's data. */
  readonly deliveries: DeliveryRecords;
  /** Reports whether the store answers; used by health checks and start-up. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** What commands and the core work with: everything but installations and the lifecycle. */
export type CommandStore = CommunityStore & CourseStore & EnrollmentStore & ScoreStore & HistoryStore & PrivacyStore & { readonly cohorts: CohortStore };
