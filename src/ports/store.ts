import type {
  Community,
  CommunityRef,
  CommunitySettings,
  Course,
  Enrollment,
  Member,
  Platform,
  Rating,
  ScoreSnapshot,
  StarHistogram,
} from '../domain/model.ts';
import type { PrivacyStore } from './store/privacy.ts';

export interface NewCourse {
  title: string;
  description: string;
  url: string | null;
  tags: string[];
  value: number;
  startsAt: Date | null;
}

export type CoursePatch = Partial<NewCourse>;

export type CourseSort = 'top' | 'new' | 'number';

export interface CourseQuery {
  /** Case-insensitive text matched against title, description and tags. */
  text?: string;
  includeArchived?: boolean;
  /** `top`: by Bayesian weighted rating (S + m·C) / (n + m) with `prior`; unrated last. */
  sort: CourseSort;
  prior?: { mean: number; weight: number };
  offset: number;
  limit: number;
}

export interface CoursePage {
  items: Course[];
  total: number;
}

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

export interface CourseAggregateRepair {
  courseId: string;
  before: Pick<Course, 'ratingCount' | 'ratingSum' | 'enrolledCount'>;
  after: Pick<Course, 'ratingCount' | 'ratingSum' | 'enrolledCount'>;
}

/** Where an app is installed: a platform's workspace or organisation id (a Slack team or enterprise id). */
export interface InstallationRef {
  platform: Platform;
  externalId: string;
}

/**
 * One installation of the bot in a workspace (Slack OAuth): its credentials as an opaque blob
 * the adapter sealed (encrypted and authenticated) before handing it over, so the store never
 * holds a token in clear, plus a few facts that are not secret. Not tied to a community: the
 * workspace's courses outlive an uninstall, and an install may come before any command.
 */
export interface Installation extends InstallationRef {
  sealed: Uint8Array;
  /** The workspace's name when it installed the app. */
  name: string;
  botUserId: string | null;
  scopes: string[];
  installedAt: Date;
}

/**
 * The persistence port. Every method is scoped by community id: no method can read or write
 * another community's rows. Both stores (SQLite, MongoDB) pass the same contract suite.
 */
export interface Store extends PrivacyStore {
  readonly kind: 'sqlite' | 'mongo';

  findCommunity(ref: CommunityRef): Promise<Community | null>;
  /** Finds or creates the community for a platform id, refreshing its display name. */
  upsertCommunity(ref: CommunityRef, name: string): Promise<Community>;
  getCommunity(communityId: string): Promise<Community | null>;
  updateCommunitySettings(communityId: string, patch: Partial<CommunitySettings>): Promise<Community>;
  listCommunities(): Promise<Community[]>;

  /** Registers a member on first interaction and keeps the display name current. */
  upsertMember(communityId: string, externalId: string, displayName: string): Promise<Member>;
  getMember(communityId: string, memberId: string): Promise<Member | null>;
  findMember(communityId: string, externalId: string): Promise<Member | null>;
  /**
   * Undo a registration made by a command that was then refused: removes the member only if no
   * enrollment or rating refers to it. Returns whether it was removed.
   */
  forgetMemberIfUnused(communityId: string, memberId: string): Promise<boolean>;
  /** The same for a community first seen in a refused command: only if it holds nothing at all. */
  forgetCommunityIfEmpty(communityId: string): Promise<boolean>;
  setRemindersEnabled(communityId: string, memberId: string, enabled: boolean): Promise<void>;
  countMembers(communityId: string): Promise<number>;

  /** Allocates the next per-community course number atomically. */
  createCourse(communityId: string, course: NewCourse): Promise<Course>;
  updateCourse(communityId: string, courseId: string, patch: CoursePatch): Promise<Course>;
  setCourseArchived(communityId: string, courseId: string, archived: boolean): Promise<Course>;
  getCourseByNumber(communityId: string, number: number): Promise<Course | null>;
  getCourse(communityId: string, courseId: string): Promise<Course | null>;
  /** Courses whose title starts with `prefix` (case-insensitive), active ones only unless asked. */
  findCoursesByTitlePrefix(communityId: string, prefix: string, limit: number, includeArchived?: boolean): Promise<Course[]>;
  listCourses(communityId: string, query: CourseQuery): Promise<CoursePage>;
  /** Every active course: the input of score computations. */
  listActiveCourses(communityId: string): Promise<Course[]>;
  /** Rating count and sum over active courses: the community mean C of the Bayesian prior. */
  activeRatingTotals(communityId: string): Promise<{ ratingCount: number; ratingSum: number }>;

  enroll(communityId: string, memberId: string, courseId: string, at: Date): Promise<EnrollOutcome>;
  unenroll(communityId: string, memberId: string, courseId: string): Promise<UnenrollOutcome>;
  isEnrolled(communityId: string, memberId: string, courseId: string): Promise<boolean>;
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

  /** Recounts every course's aggregates from the rows and fixes any drift; returns what changed. */
  recomputeAggregates(communityId: string): Promise<CourseAggregateRepair[]>;
  saveScoreSnapshot(snapshot: ScoreSnapshot): Promise<void>;
  /** Newest first. */
  listScoreSnapshots(communityId: string, limit: number): Promise<ScoreSnapshot[]>;

  /** Creates or replaces the installation for its platform and external id (a reinstall). */
  saveInstallation(installation: Installation): Promise<void>;
  findInstallation(ref: InstallationRef): Promise<Installation | null>;
  /** True when there was one to delete. */
  deleteInstallation(ref: InstallationRef): Promise<boolean>;

  /** Reports whether the store answers; used by health checks and start-up. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
