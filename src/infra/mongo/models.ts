import { Schema, type Connection, type Model, type Types } from 'mongoose';
import { PLATFORMS, type Course, type Member, type ScoreSnapshot } from '../../domain/model.ts';
import { dailySnapshotSchema, type DailySnapshotDoc } from './history-models.ts';

/**
 * The MongoDB documents. Field names are camelCase like the domain; every document but a
 * community carries its community's id, and every query filters on it first.
 */

export interface CommunityDoc {
  platform: string;
  externalId: string;
  name: string;
  /** Free-form on purpose: settings grow without schema changes and are validated on the way out. */
  settings: Record<string, unknown>;
  createdAt: Date;
  /** Set while the bot is removed from the community (grace period before the purge). */
  removedAt?: Date | null;
  /**
   * Replaced (a new ObjectId) by every write that changes the community's courses, after its
   * course writes or in the same transaction: what in-memory catalogs are checked against
   * (VersionedCatalog). Absent until the first such write.
   */
  catalogVersion?: Types.ObjectId | null;
}

export interface MemberDoc extends Omit<Member, 'id' | 'communityId'> {
  communityId: Types.ObjectId;
}

export interface CourseDoc extends Omit<Course, 'id' | 'communityId'> {
  communityId: Types.ObjectId;
  /** foldText(title): what title-prefix lookups match (see text-fold.ts). */
  titleFold: string;
  /** searchText(title, description, tags): what /courses search matches. */
  searchText: string;
  /**
   * Bumped by every write that changes the three aggregates above (enroll, unenroll, rate, a
   * recompute's repair): the recompute writes its count only if the course is still at the
   * version it read before counting, so it never replaces newer figures with older ones.
   * Absent on courses stored before it existed (read as 0).
   */
  aggregatesVersion?: number;
}

export interface EnrollmentDoc {
  communityId: Types.ObjectId;
  memberId: Types.ObjectId;
  courseId: Types.ObjectId;
  enrolledAt: Date;
}

export interface RatingDoc {
  communityId: Types.ObjectId;
  memberId: Types.ObjectId;
  courseId: Types.ObjectId;
  stars: number;
  review: string | null;
  updatedAt: Date;
}

export interface ScoreSnapshotDoc extends Omit<ScoreSnapshot, 'communityId'> {
  communityId: Types.ObjectId;
  /**
   * Handed out by the server from the community's counter: orders snapshots taken at the same
   * instant by the order they were saved, whichever process saved them (client-made ObjectIds
   * do not). Absent on snapshots stored before it existed.
   */
  seq?: number;
}

/** A workspace's installation of the app: `sealed` is encrypted by the adapter, opaque here. */
export interface InstallationDoc {
  platform: string;
  externalId: string;
  sealed: Buffer;
  name: string;
  botUserId: string | null;
  scopes: string[];
  installedAt: Date;
}

/** One per community: `_id` is the community's id, `last` the highest course number handed out. */
export interface CourseCounterDoc {
  _id: Types.ObjectId;
  last: number;
  /** The highest score-snapshot sequence number handed out in this community. */
  snapshots?: number;
}

/** What `.lean()` returns: the stored fields plus the `_id`. */
export type Lean<T> = T & { _id: Types.ObjectId };

/**
 * Options shared by every schema: no `__v` (documents are never saved as hydrated models),
 * and a filter on a path the schema does not know is an error rather than silently dropped,
 * which would widen the query.
 */
const OPTIONS = { versionKey: false, strictQuery: 'throw', autoIndex: false, autoCreate: false } as const;

const { ObjectId, Mixed } = Schema.Types;

export const communitySchema = new Schema<CommunityDoc>(
  {
    platform: { type: String, required: true, enum: [...PLATFORMS] },
    externalId: { type: String, required: true },
    name: { type: String, required: true },
    settings: { type: Mixed, default: () => ({}) },
    createdAt: { type: Date, required: true },
    removedAt: { type: Date, default: null },
    catalogVersion: { type: ObjectId },
  },
  { ...OPTIONS, collection: 'communities', minimize: false },
);
communitySchema.index({ platform: 1, externalId: 1 }, { unique: true, name: 'community_by_platform_id' });
communitySchema.index({ removedAt: 1 }, { name: 'communities_by_removal', partialFilterExpression: { removedAt: { $type: 'date' } } });

export const memberSchema = new Schema<MemberDoc>(
  {
    communityId: { type: ObjectId, required: true },
    externalId: { type: String, required: true },
    displayName: { type: String, required: true },
    remindersEnabled: { type: Boolean, required: true, default: true },
    joinedAt: { type: Date, required: true },
  },
  { ...OPTIONS, collection: 'members' },
);
memberSchema.index({ communityId: 1, externalId: 1 }, { unique: true, name: 'member_by_platform_id' });

export const courseSchema = new Schema<CourseDoc>(
  {
    communityId: { type: ObjectId, required: true },
    number: { type: Number, required: true, min: 1 },
    title: { type: String, required: true },
    titleFold: { type: String, required: true },
    searchText: { type: String, required: true },
    description: { type: String, default: '' },
    url: { type: String, default: null },
    tags: { type: [String], default: [] },
    value: { type: Number, required: true },
    startsAt: { type: Date, default: null },
    archived: { type: Boolean, required: true, default: false },
    createdAt: { type: Date, required: true },
    ratingCount: { type: Number, required: true, default: 0 },
    ratingSum: { type: Number, required: true, default: 0 },
    enrolledCount: { type: Number, required: true, default: 0 },
    aggregatesVersion: { type: Number, default: 0 },
  },
  { ...OPTIONS, collection: 'courses' },
);
courseSchema.index({ communityId: 1, number: 1 }, { unique: true, name: 'course_by_number' });
courseSchema.index({ communityId: 1, titleFold: 1, number: 1 }, { name: 'course_by_title' });

export const enrollmentSchema = new Schema<EnrollmentDoc>(
  {
    communityId: { type: ObjectId, required: true },
    memberId: { type: ObjectId, required: true },
    courseId: { type: ObjectId, required: true },
    enrolledAt: { type: Date, required: true },
  },
  { ...OPTIONS, collection: 'enrollments' },
);
enrollmentSchema.index({ communityId: 1, memberId: 1, courseId: 1 }, { unique: true, name: 'enrollment_key' });
enrollmentSchema.index({ communityId: 1, courseId: 1 }, { name: 'enrollments_by_course' });

export const ratingSchema = new Schema<RatingDoc>(
  {
    communityId: { type: ObjectId, required: true },
    memberId: { type: ObjectId, required: true },
    courseId: { type: ObjectId, required: true },
    stars: { type: Number, required: true, min: 1, max: 5 },
    review: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { ...OPTIONS, collection: 'ratings' },
);
ratingSchema.index({ communityId: 1, memberId: 1, courseId: 1 }, { unique: true, name: 'rating_key' });
ratingSchema.index({ communityId: 1, courseId: 1 }, { name: 'ratings_by_course' });

export const scoreSnapshotSchema = new Schema<ScoreSnapshotDoc>(
  {
    communityId: { type: ObjectId, required: true },
    takenAt: { type: Date, required: true },
    score: { type: Number, required: true },
    satisfaction: { type: Number, required: true },
    coverage: { type: Number, required: true },
    memberCount: { type: Number, required: true },
    courseCount: { type: Number, required: true },
    seq: { type: Number },
  },
  { ...OPTIONS, collection: 'score_snapshots' },
);
scoreSnapshotSchema.index({ communityId: 1, takenAt: -1, seq: -1 }, { name: 'snapshots_by_time_and_seq' });

export const installationSchema = new Schema<InstallationDoc>(
  {
    platform: { type: String, required: true, enum: [...PLATFORMS] },
    externalId: { type: String, required: true },
    sealed: { type: Buffer, required: true },
    name: { type: String, required: true },
    botUserId: { type: String, default: null },
    scopes: { type: [String], default: [] },
    installedAt: { type: Date, required: true },
  },
  { ...OPTIONS, collection: 'installations' },
);
installationSchema.index({ platform: 1, externalId: 1 }, { unique: true, name: 'installation_by_platform_id' });

export const courseCounterSchema = new Schema<CourseCounterDoc>(
  {
    _id: { type: ObjectId, required: true },
    last: { type: Number, required: true, default: 0 },
    snapshots: { type: Number },
  },
  { ...OPTIONS, collection: 'course_counters' },
);

export interface Models {
  Community: Model<CommunityDoc>;
  Member: Model<MemberDoc>;
  Course: Model<CourseDoc>;
  Enrollment: Model<EnrollmentDoc>;
  Rating: Model<RatingDoc>;
  ScoreSnapshot: Model<ScoreSnapshotDoc>;
  CourseCounter: Model<CourseCounterDoc>;
  Installation: Model<InstallationDoc>;
  DailySnapshot: Model<DailySnapshotDoc>;
}

/** Binds the schemas to one connection, so two stores (two databases) never share models. */
export function createModels(connection: Connection): Models {
  return {
    Community: connection.model<CommunityDoc>('Community', communitySchema),
    Member: connection.model<MemberDoc>('Member', memberSchema),
    Course: connection.model<CourseDoc>('Course', courseSchema),
    Enrollment: connection.model<EnrollmentDoc>('Enrollment', enrollmentSchema),
    Rating: connection.model<RatingDoc>('Rating', ratingSchema),
    ScoreSnapshot: connection.model<ScoreSnapshotDoc>('ScoreSnapshot', scoreSnapshotSchema),
    CourseCounter: connection.model<CourseCounterDoc>('CourseCounter', courseCounterSchema),
    Installation: connection.model<InstallationDoc>('Installation', installationSchema),
    DailySnapshot: connection.model<DailySnapshotDoc>('DailySnapshot', dailySnapshotSchema),
  };
}

/**
 * Creates every declared index (the unique ones are what make upserts and enrollments safe).
 * `createIndexes` only adds: an index an operator added by hand is left alone, unlike
 * `syncIndexes`, which would drop it.
 */
export async function ensureIndexes(models: Models): Promise<void> {
  for (const model of Object.values(models) as Model<unknown>[]) {
    await model.createCollection().catch((error: unknown) => {
      // 48 NamespaceExists: another process created it first.
      if ((error as { code?: unknown }).code !== 48) throw error;
    });
    await model.createIndexes();
  }
}
