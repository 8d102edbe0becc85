import type { CommunityRef, CommunitySettings, Course, Member, ScoreSnapshot } from '../../domain/model.ts';
import type { Installation } from './installations.ts';
import type { DailySnapshot } from '../../domain/history.ts';

/**
 * Bulk export and import of a whole store, for `syllabot migrate`. Records carry natural keys
 * (a community by platform and platform id, a member by its platform id, a course by its
 * number), never store ids, so SQLite row ids and MongoDB ObjectIds never leak across and an
 * import is an upsert: running it again after an interruption adds nothing twice.
 */
export const TRANSFER_KINDS = ['communities', 'members', 'courses', 'enrollments', 'ratings', 'courseAccess', 'grants', 'consoleRoles', 'snapshots', 'history', 'installations'] as const;
export type TransferKind = (typeof TRANSFER_KINDS)[number];

export interface CommunityRecord extends CommunityRef {
  name: string;
  settings: CommunitySettings;
  createdAt: Date;
  /** The next course number to hand out, so numbers are never reused after the move. */
  nextCourseNumber: number;
  /** When the bot was removed from the community (grace period), else null. */
  removedAt: Date | null;
}

/** A member without store ids: its community by natural key. */
export interface MemberRecord extends Omit<Member, 'id' | 'communityId'> {
  community: CommunityRef;
}

/** A course without store ids: its community by natural key, the course by its number. */
export interface CourseRecord extends Omit<Course, 'id' | 'communityId'> {
  community: CommunityRef;
}

export interface EnrollmentRecord {
  community: CommunityRef;
  member: string;
  course: number;
  enrolledAt: Date;
}

export interface RatingRecord {
  community: CommunityRef;
  member: string;
  course: number;
  stars: number;
  review: string | null;
  updatedAt: Date;
}

/** A course's cohort: its role, channel and required role (platform ids). */
export interface CourseAccessRecord {
  community: CommunityRef;
  course: number;
  roleId: string | null;
  channelId: string | null;
  channelLeave: boolean;
  requiredRoleId: string | null;
}

/** Where one enrollment stands with its course's role. */
export interface GrantRecord {
  community: CommunityRef;
  member: string;
  course: number;
  roleId: string | null;
  state: 'none' | 'granted' | 'refused' | 'left';
  lapsed: boolean;
  updatedAt: Date;
}

/** A role given on the console, by the member's platform id. */
export interface ConsoleRoleRecord {
  community: CommunityRef;
  member: string;
  role: string;
}

export interface SnapshotRecord extends Omit<ScoreSnapshot, 'communityId'> {
  community: CommunityRef;
}

/**
 * One day of a community's history. `courses[].courseId` is the source store's id: the importer
 * replaces it with its own course of the same number.
 */
export interface HistoryRecord extends Omit<DailySnapshot, 'communityId'> {
  community: CommunityRef;
}

/** An installation as stored: its credentials stay sealed; they are copied, never opened. */
export type InstallationRecord = Installation;

export interface TransferRecords {
  communities: CommunityRecord;
  members: MemberRecord;
  courses: CourseRecord;
  enrollments: EnrollmentRecord;
  ratings: RatingRecord;
  courseAccess: CourseAccessRecord;
  grants: GrantRecord;
  consoleRoles: ConsoleRoleRecord;
  snapshots: SnapshotRecord;
  history: HistoryRecord;
  installations: InstallationRecord;
}

export interface StoreTransfer {
  /** `sqlite:/abs/path` or the MongoDB host and database, never credentials. */
  readonly description: string;
  count(kind: TransferKind): Promise<number>;
  /** Every record of a kind in batches, in a stable order (natural key). */
  dump<K extends TransferKind>(kind: K, batchSize: number): AsyncIterable<TransferRecords[K][]>;
  /**
   * Creates or replaces each record by its natural key, in one transaction per batch where the
   * store has them. A record whose community, member or course is missing is left out. Returns
   * how many records were written (a snapshot already present counts as not written).
   */
  import<K extends TransferKind>(kind: K, records: readonly TransferRecords[K][]): Promise<number>;
}

/** The store behind a transfer, for stores that can copy themselves while in use (SQLite). */
export interface OnlineBackup {
  /** Copies the whole store to `file` consistently while other connections keep writing. */
  backupTo(file: string, progress?: (done: number, total: number) => void): Promise<void>;
}

export function supportsOnlineBackup(value: object): value is OnlineBackup {
  return typeof (value as Partial<OnlineBackup>).backupTo === 'function';
}

/** The natural key of a community as one string, for maps. */
export const communityKey = (ref: CommunityRef): string => `${ref.platform}\u0000${ref.externalId}`;
