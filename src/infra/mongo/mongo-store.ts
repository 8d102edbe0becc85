import mongoose, { type ClientSession, type Connection, type Types } from 'mongoose';
import type { Community, CommunityRef, CommunitySettings, Course, Enrollment, Member, ScoreSnapshot, StarHistogram } from '../../domain/model.ts';
import type {
  CourseAggregateRepair,
  CoursePage,
  CoursePatch,
  CourseQuery,
  EnrollmentQuery,
  EnrollOutcome,
  Installation,
  InstallationRef,
  MemberCourse,
  NewCourse,
  RateOutcome,
  Store,
  UnenrollOutcome,
} from '../../ports/store.ts';
import type { Logger } from '../../ports/logger.ts';
import { silentLogger } from '../../ports/logger.ts';
import { StorageUnavailableError } from '../../domain/errors.ts';
import { foldText, searchText } from '../text-fold.ts';
import { connectionOptions, describeMongoUri, supportsTransactions, type ConnectionSettings } from './connection.ts';
import { isDuplicateKeyError, retryOnDuplicateKey, toStoreError } from './errors.ts';
import { atOrAfter, courseListFilter, isWholeNumber, oneOf, parseObjectId, requireText, settingsUpdate, titlePrefixPattern } from './filters.ts';
import { toCommunity, toCourse, toEnrollment, toInstallation, toMember, toScoreSnapshot } from './mapping.ts';
import {
  createModels,
  ensureIndexes,
  type CommunityDoc,
  type CourseCounterDoc,
  type CourseDoc,
  type EnrollmentDoc,
  type InstallationDoc,
  type Lean,
  type MemberDoc,
  type Models,
  type RatingDoc,
  type ScoreSnapshotDoc,
} from './models.ts';
import { MongoPrivacy } from './privacy.ts';
import { MongoTransfer } from './transfer.ts';
import type { ErasedMember, MemberData, PurgedCommunity } from '../../ports/store/privacy.ts';
import { coursePagePipeline, enrollmentTotalsPipeline, ratingTotalsPipeline, starHistogramPipeline } from './pipelines.ts';

export interface MongoStoreOptions extends ConnectionSettings {
  uri: string;
  logger?: Logger;
  /** `off` forces the standalone write path even on a replica set (for tests of that path). */
  transactions?: 'auto' | 'off';
}

/** The transaction's session, or undefined on the standalone path. */
type Session = ClientSession | undefined;
type CourseFields = Omit<CourseDoc, 'communityId' | 'number' | 'archived' | 'createdAt' | 'ratingCount' | 'ratingSum' | 'enrolledCount'>;

/**
 * The MongoDB store (mongoose). Multi-document writes (an enrollment or rating and its course's
 * aggregates) run in a transaction when the server supports them (replica set or sharded
 * cluster). On a standalone server they run as ordered single-document writes, each atomic on
 * its own: the rating upsert returns the previous stars atomically, so concurrent writers still
 * add up exactly; only a crash or lost connection between the two writes can leave a course's
 * aggregates off by one, and the periodic `recomputeAggregates` repairs that.
 *
 * Course numbers come from a per-community counter document (`$inc`), outside any transaction
 * so that concurrent creators never conflict; a failed insert leaves a gap, never a reuse.
 */
export class MongoStore implements Store {
  readonly kind = 'mongo' as const;

  private closing = false;

  private constructor(
    private readonly conn: Connection,
    private readonly models: Models,
    /** Whether multi-document writes run in transactions (see the class comment). */
    readonly transactions: boolean,
    logger: Logger,
    where: string,
  ) {
    conn.on('disconnected', () => {
      if (!this.closing) logger.warn({ store: 'mongo', uri: where }, 'MongoDB connection lost; commands answer "storage unavailable" until it is back');
    });
    conn.on('reconnected', () => logger.info({ store: 'mongo', uri: where }, 'MongoDB connection restored'));
  }

  /** Connects, checks the server answers, creates collections and indexes. Throws driver errors as they are. */
  static async connect(options: MongoStoreOptions): Promise<MongoStore> {
    const logger = options.logger ?? silentLogger;
    const conn = mongoose.createConnection(options.uri, connectionOptions(options));
    // Without a listener, a connection 'error' event would be thrown by EventEmitter. Before the
    // store is open the caller reports the failure itself, once.
    let open = false;
    conn.on('error', (error: unknown) => {
      if (open) logger.warn({ error: toLoggable(error), store: 'mongo' }, 'MongoDB connection error');
    });
    try {
      await conn.asPromise();
      const db = conn.db;
      if (!db) throw new StorageUnavailableError();
      const hello = await db.command({ hello: 1 });
      const models = createModels(conn);
      await ensureIndexes(models);
      open = true;
      return new MongoStore(conn, models, options.transactions !== 'off' && supportsTransactions(hello), logger, describeMongoUri(options.uri));
    } catch (error) {
      await conn.close(true).catch(() => undefined);
      throw error;
    }
  }

  /** The mongoose connection, for integrity checks and clean-up in tests only. */
  get connection(): Connection {
    return this.conn;
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Runs `work` in a transaction when the server has them, else directly (no session). */
  private write<T>(work: (session: Session) => Promise<T>): Promise<T> {
    if (!this.transactions) return work(undefined);
    return this.conn.transaction((session) => work(session));
  }

  // Communities

  findCommunity(ref: CommunityRef): Promise<Community | null> {
    return this.guard(async () => {
      const doc = await this.models.Community.findOne({ platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'community id') }).lean<Lean<CommunityDoc>>();
      return doc ? toCommunity(doc) : null;
    });
  }

  upsertCommunity(ref: CommunityRef, name: string): Promise<Community> {
    return this.guard(async () => {
      const filter = { platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'community id') };
      const doc = await retryOnDuplicateKey(() =>
        this.models.Community.findOneAndUpdate(
          filter,
          { $set: { name: requireText(name, 'community name') }, $setOnInsert: { settings: {}, createdAt: new Date() } },
          { upsert: true, returnDocument: 'after' },
        ).lean<Lean<CommunityDoc>>(),
      );
      return toCommunity(doc);
    });
  }

  getCommunity(communityId: string): Promise<Community | null> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return null;
      const doc = await this.models.Community.findOne({ _id: id }).lean<Lean<CommunityDoc>>();
      return doc ? toCommunity(doc) : null;
    });
  }

  updateCommunitySettings(communityId: string, patch: Partial<CommunitySettings>): Promise<Community> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      const update = settingsUpdate(patch);
      const doc = !id
        ? null
        : update.$set || update.$unset
          ? await this.models.Community.findOneAndUpdate({ _id: id }, update, { returnDocument: 'after' }).lean<Lean<CommunityDoc>>()
          : await this.models.Community.findOne({ _id: id }).lean<Lean<CommunityDoc>>();
      if (!doc) throw new Error(`community ${communityId} does not exist`);
      return toCommunity(doc);
    });
  }

  listCommunities(): Promise<Community[]> {
    return this.guard(async () => (await this.models.Community.find({}).sort({ _id: 1 }).lean<Lean<CommunityDoc>[]>()).map(toCommunity));
  }

  // Members

  upsertMember(communityId: string, externalId: string, displayName: string): Promise<Member> {
    return this.guard(async () => {
      const id = this.requireId(communityId, 'community');
      const filter = { communityId: id, externalId: requireText(externalId, 'member id') };
      const name = requireText(displayName, 'display name');
      // Reads are the common case: only write when the member is new or renamed.
      const existing = await this.models.Member.findOne(filter).lean<Lean<MemberDoc>>();
      if (existing && existing.displayName === name) return toMember(existing);
      const doc = await retryOnDuplicateKey(() =>
        this.models.Member.findOneAndUpdate(
          filter,
          { $set: { displayName: name }, $setOnInsert: { remindersEnabled: true, joinedAt: new Date() } },
          { upsert: true, returnDocument: 'after' },
        ).lean<Lean<MemberDoc>>(),
      );
      return toMember(doc);
    });
  }

  findMember(communityId: string, externalId: string): Promise<Member | null> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return null;
      const doc = await this.models.Member.findOne({ communityId: id, externalId: requireText(externalId, 'member id') }).lean<Lean<MemberDoc>>();
      return doc ? toMember(doc) : null;
    });
  }

  forgetMemberIfUnused(communityId: string, memberId: string): Promise<boolean> {
    return this.guard(async () => {
      const key = this.scoped(communityId, memberId);
      if (!key) return false;
      const refs = { communityId: key.communityId, memberId: key.id };
      if ((await this.models.Enrollment.exists(refs)) || (await this.models.Rating.exists(refs))) return false;
      return (await this.models.Member.deleteOne({ _id: key.id, communityId: key.communityId })).deletedCount > 0;
    });
  }

  forgetCommunityIfEmpty(communityId: string): Promise<boolean> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return false;
      const refs = { communityId: id };
      const [member, course, snapshot] = await Promise.all([
        this.models.Member.exists(refs),
        this.models.Course.exists(refs),
        this.models.ScoreSnapshot.exists(refs),
      ]);
      if (member || course || snapshot) return false;
      const community = await this.models.Community.findOne({ _id: id }).lean<Lean<CommunityDoc>>();
      if (!community || Object.keys(community.settings ?? {}).length > 0) return false;
      return (await this.models.Community.deleteOne({ _id: id })).deletedCount > 0;
    });
  }

  getMember(communityId: string, memberId: string): Promise<Member | null> {
    return this.guard(async () => {
      const key = this.scoped(communityId, memberId);
      if (!key) return null;
      const doc = await this.models.Member.findOne({ _id: key.id, communityId: key.communityId }).lean<Lean<MemberDoc>>();
      return doc ? toMember(doc) : null;
    });
  }

  setRemindersEnabled(communityId: string, memberId: string, enabled: boolean): Promise<void> {
    return this.guard(async () => {
      const key = this.scoped(communityId, memberId);
      if (!key) return;
      await this.models.Member.updateOne({ _id: key.id, communityId: key.communityId }, { $set: { remindersEnabled: enabled === true } });
    });
  }

  countMembers(communityId: string): Promise<number> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      return id ? this.models.Member.countDocuments({ communityId: id }) : 0;
    });
  }

  // Courses

  createCourse(communityId: string, course: NewCourse): Promise<Course> {
    return this.guard(async () => {
      const id = this.requireId(communityId, 'community');
      if (!(await this.models.Community.exists({ _id: id }))) throw new Error(`community ${communityId} does not exist`);
      const fields = courseFields(course);
      return retryOnDuplicateKey(async (attempt) => {
        // A collision means the counter is behind the courses (say, restored from an older
        // backup): move it past the highest number in use, then allocate again.
        if (attempt > 1) await this.repairCounter(id);
        const counter = await this.models.CourseCounter.findOneAndUpdate({ _id: id }, { $inc: { last: 1 } }, { upsert: true, returnDocument: 'after' }).lean<CourseCounterDoc>();
        const created = await this.models.Course.insertOne({
          ...fields,
          communityId: id,
          number: counter.last,
          archived: false,
          createdAt: new Date(),
          ratingCount: 0,
          ratingSum: 0,
          enrolledCount: 0,
        });
        return toCourse(created.toObject<Lean<CourseDoc>>());
      });
    });
  }

  private async repairCounter(communityId: Types.ObjectId): Promise<void> {
    const highest = await this.models.Course.findOne({ communityId }).sort({ number: -1 }).select({ number: 1 }).lean<{ number: number }>();
    if (highest) await this.models.CourseCounter.updateOne({ _id: communityId }, { $max: { last: highest.number } }, { upsert: true });
  }

  updateCourse(communityId: string, courseId: string, patch: CoursePatch): Promise<Course> {
    return this.guard(() =>
      // In a transaction a concurrent edit of the same course is a write conflict and retried;
      // on a standalone server the later edit wins.
      this.write(async (session) => {
        const key = this.scoped(communityId, courseId);
        const current = key ? await this.models.Course.findOne({ _id: key.id, communityId: key.communityId }).session(session ?? null).lean<Lean<CourseDoc>>() : null;
        if (!key || !current) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
        const next = courseFields({
          title: patch.title ?? current.title,
          description: patch.description ?? current.description,
          url: patch.url === undefined ? current.url : patch.url,
          tags: patch.tags ?? current.tags,
          value: patch.value ?? current.value,
          startsAt: patch.startsAt === undefined ? current.startsAt : patch.startsAt,
        });
        const doc = await this.models.Course.findOneAndUpdate({ _id: key.id, communityId: key.communityId }, { $set: next }, { returnDocument: 'after', session }).lean<Lean<CourseDoc>>();
        if (!doc) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
        return toCourse(doc);
      }),
    );
  }

  setCourseArchived(communityId: string, courseId: string, archived: boolean): Promise<Course> {
    return this.guard(async () => {
      const key = this.scoped(communityId, courseId);
      const doc = key
        ? await this.models.Course.findOneAndUpdate({ _id: key.id, communityId: key.communityId }, { $set: { archived: archived === true } }, { returnDocument: 'after' }).lean<Lean<CourseDoc>>()
        : null;
      if (!doc) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
      return toCourse(doc);
    });
  }

  getCourseByNumber(communityId: string, number: number): Promise<Course | null> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id || !isWholeNumber(number)) return null;
      const doc = await this.models.Course.findOne({ communityId: id, number }).lean<Lean<CourseDoc>>();
      return doc ? toCourse(doc) : null;
    });
  }

  getCourse(communityId: string, courseId: string): Promise<Course | null> {
    return this.guard(async () => {
      const key = this.scoped(communityId, courseId);
      if (!key) return null;
      const doc = await this.models.Course.findOne({ _id: key.id, communityId: key.communityId }).lean<Lean<CourseDoc>>();
      return doc ? toCourse(doc) : null;
    });
  }

  findCoursesByTitlePrefix(communityId: string, prefix: string, limit: number, includeArchived = false): Promise<Course[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      const pattern = titlePrefixPattern(prefix);
      if (!id || !isWholeNumber(limit) || limit < 1) return [];
      const filter = includeArchived ? { communityId: id, titleFold: pattern } : { communityId: id, titleFold: pattern, archived: false };
      const docs = await this.models.Course.find(filter).sort({ titleFold: 1, number: 1 }).limit(limit).lean<Lean<CourseDoc>[]>();
      return docs.map(toCourse);
    });
  }

  listCourses(communityId: string, query: CourseQuery): Promise<CoursePage> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return { items: [], total: 0 };
      const filter = courseListFilter(id, query);
      const total = await this.models.Course.countDocuments(filter);
      const offset = isWholeNumber(query.offset) ? Math.max(0, query.offset) : 0;
      if (!isWholeNumber(query.limit) || query.limit < 1 || offset >= total) return { items: [], total };
      const docs = await this.models.Course.aggregate<Lean<CourseDoc>>(coursePagePipeline(filter, query.sort, query.prior, offset, query.limit));
      return { items: docs.map(toCourse), total };
    });
  }

  listActiveCourses(communityId: string): Promise<Course[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return [];
      return (await this.models.Course.find({ communityId: id, archived: false }).sort({ number: 1 }).lean<Lean<CourseDoc>[]>()).map(toCourse);
    });
  }

  activeRatingTotals(communityId: string): Promise<{ ratingCount: number; ratingSum: number }> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return { ratingCount: 0, ratingSum: 0 };
      const [totals] = await this.models.Course.aggregate<{ ratingCount: number; ratingSum: number }>([
        { $match: { communityId: id, archived: false } },
        { $group: { _id: null, ratingCount: { $sum: '$ratingCount' }, ratingSum: { $sum: '$ratingSum' } } },
        { $project: { _id: 0, ratingCount: 1, ratingSum: 1 } },
      ]);
      return totals ?? { ratingCount: 0, ratingSum: 0 };
    });
  }

  // Enrollments

  enroll(communityId: string, memberId: string, courseId: string, at: Date): Promise<EnrollOutcome> {
    return this.guard(async () => {
      const key = this.enrollmentKey(communityId, memberId, courseId);
      try {
        return await this.write(async (session): Promise<EnrollOutcome> => {
          // The unique index decides who enrolled first; a loser gets E11000 before touching the course.
          await this.models.Enrollment.insertOne({ ...key, enrolledAt: at }, { session });
          const counted = await this.models.Course.updateOne({ _id: key.courseId, communityId: key.communityId }, { $inc: { enrolledCount: 1 } }, { session });
          if (counted.matchedCount === 0) {
            if (!session) await this.models.Enrollment.deleteOne(key);
            throw new Error(`course ${courseId} does not exist in community ${communityId}`);
          }
          return 'enrolled';
        });
      } catch (error) {
        if (isDuplicateKeyError(error)) return 'already-enrolled';
        throw error;
      }
    });
  }

  unenroll(communityId: string, memberId: string, courseId: string): Promise<UnenrollOutcome> {
    return this.guard(async () => {
      const key = this.optionalEnrollmentKey(communityId, memberId, courseId);
      if (!key) return 'not-enrolled';
      return this.write(async (session): Promise<UnenrollOutcome> => {
        const removed = await this.models.Enrollment.deleteOne(key, { session });
        if (removed.deletedCount === 0) return 'not-enrolled';
        await this.models.Course.updateOne({ _id: key.courseId, communityId: key.communityId }, { $inc: { enrolledCount: -1 } }, { session });
        return 'unenrolled';
      });
    });
  }

  isEnrolled(communityId: string, memberId: string, courseId: string): Promise<boolean> {
    return this.guard(async () => {
      const key = this.optionalEnrollmentKey(communityId, memberId, courseId);
      return key ? (await this.models.Enrollment.exists(key)) !== null : false;
    });
  }

  listMemberCourses(communityId: string, memberId: string): Promise<MemberCourse[]> {
    return this.guard(async () => {
      const key = this.scoped(communityId, memberId);
      if (!key) return [];
      const scope = { communityId: key.communityId, memberId: key.id };
      const enrollments = await this.models.Enrollment.find(scope).lean<{ courseId: Types.ObjectId; enrolledAt: Date }[]>();
      if (enrollments.length === 0) return [];
      const courseIds = enrollments.map((e) => e.courseId);
      const [courses, ratings] = await Promise.all([
        this.models.Course.find({ communityId: key.communityId, _id: oneOf(courseIds) }).lean<Lean<CourseDoc>[]>(),
        this.models.Rating.find({ ...scope, courseId: oneOf(courseIds) }).lean<Lean<RatingDoc>[]>(),
      ]);
      const courseById = new Map(courses.map((c) => [c._id.toHexString(), c]));
      const ratingByCourse = new Map(ratings.map((r) => [r.courseId.toHexString(), r]));
      const result: MemberCourse[] = [];
      for (const enrollment of enrollments) {
        const course = courseById.get(enrollment.courseId.toHexString());
        if (!course) continue;
        const rating = ratingByCourse.get(enrollment.courseId.toHexString());
        result.push({
          course: toCourse(course),
          enrolledAt: enrollment.enrolledAt,
          rating: rating ? { stars: rating.stars, review: rating.review ?? null, updatedAt: rating.updatedAt } : null,
        });
      }
      return result.sort((a, b) => a.course.number - b.course.number);
    });
  }

  listEnrolledMemberIds(communityId: string, courseId: string): Promise<string[]> {
    return this.guard(async () => {
      const key = this.scoped(communityId, courseId);
      if (!key) return [];
      const rows = await this.models.Enrollment.find({ communityId: key.communityId, courseId: key.id })
        .sort({ memberId: 1 })
        .select({ memberId: 1, _id: 0 })
        .lean<{ memberId: Types.ObjectId }[]>();
      return rows.map((r) => r.memberId.toHexString());
    });
  }

  listEnrollments(communityId: string, query: EnrollmentQuery): Promise<Enrollment[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      const courseId = query.courseId === undefined ? undefined : parseObjectId(query.courseId);
      if (!id || courseId === null) return [];
      const filter: { communityId: Types.ObjectId; courseId?: Types.ObjectId; enrolledAt?: { $gte: Date } } = { communityId: id };
      if (courseId) filter.courseId = courseId;
      if (query.enrolledSince !== undefined) filter.enrolledAt = atOrAfter(query.enrolledSince);
      const rows = await this.models.Enrollment.find(filter).sort({ enrolledAt: 1, memberId: 1, courseId: 1 }).lean<Lean<EnrollmentDoc>[]>();
      return rows.map(toEnrollment);
    });
  }

  // Ratings and aggregates

  rate(communityId: string, memberId: string, courseId: string, stars: number, review: string | null, at: Date): Promise<RateOutcome> {
    return this.guard(async () => {
      if (!isWholeNumber(stars) || stars < 1 || stars > 5) throw new RangeError('stars must be a whole number from 1 to 5');
      const text = review === null ? null : requireText(review, 'review');
      const key = this.enrollmentKey(communityId, memberId, courseId);
      // Two first ratings racing can both try to insert: the loser's upsert fails with E11000
      // (nothing written) and runs again, now replacing the winner's row.
      return retryOnDuplicateKey(() =>
        this.write(async (session): Promise<RateOutcome> => {
          // The upsert hands back the row as it was, atomically: the stars it replaced.
          const before = await this.models.Rating.findOneAndUpdate(key, { $set: { stars, review: text, updatedAt: at } }, { upsert: true, returnDocument: 'before', session }).lean<Lean<RatingDoc> | null>();
          const previous = before ? before.stars : null;
          const course = await this.models.Course.findOneAndUpdate(
            { _id: key.courseId, communityId: key.communityId },
            { $inc: { ratingCount: previous === null ? 1 : 0, ratingSum: stars - (previous ?? 0) } },
            { returnDocument: 'after', session },
          ).lean<Lean<CourseDoc>>();
          if (!course) {
            if (!session) await this.undoRating(key, before);
            throw new Error(`course ${courseId} does not exist in community ${communityId}`);
          }
          return { previous, course: toCourse(course) };
        }),
      );
    });
  }

  /** Standalone path only: puts a rating back as it was when its course turned out not to exist. */
  private async undoRating(key: EnrollmentKey, before: Lean<RatingDoc> | null): Promise<void> {
    if (before) await this.models.Rating.updateOne(key, { $set: { stars: before.stars, review: before.review, updatedAt: before.updatedAt } });
    else await this.models.Rating.deleteOne(key);
  }

  starHistogram(communityId: string, courseId: string): Promise<StarHistogram> {
    return this.guard(async () => {
      const histogram: StarHistogram = [0, 0, 0, 0, 0];
      const key = this.scoped(communityId, courseId);
      if (!key) return histogram;
      const rows = await this.models.Rating.aggregate<{ _id: unknown; n: number }>(starHistogramPipeline(key.communityId, key.id));
      for (const row of rows) {
        if (isWholeNumber(row._id) && row._id >= 1 && row._id <= 5) histogram[row._id - 1] = row.n;
      }
      return histogram;
    });
  }

  recomputeAggregates(communityId: string): Promise<CourseAggregateRepair[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return [];
      return this.write(async (session) => {
        // One operation at a time: a session must not run two at once inside a transaction.
        const ratingTotals = await this.models.Rating.aggregate<{ _id: Types.ObjectId; count: number; sum: number }>(ratingTotalsPipeline(id)).session(session ?? null);
        const enrollmentTotals = await this.models.Enrollment.aggregate<{ _id: Types.ObjectId; count: number }>(enrollmentTotalsPipeline(id)).session(session ?? null);
        const courses = await this.models.Course.find({ communityId: id })
          .select({ ratingCount: 1, ratingSum: 1, enrolledCount: 1 })
          .session(session ?? null)
          .lean<{ _id: Types.ObjectId; ratingCount: number; ratingSum: number; enrolledCount: number }[]>();
        const ratings = new Map(ratingTotals.map((r) => [r._id.toHexString(), r]));
        const enrolled = new Map(enrollmentTotals.map((e) => [e._id.toHexString(), e.count]));
        const repairs: CourseAggregateRepair[] = [];
        for (const course of courses) {
          const hex = course._id.toHexString();
          const before = { ratingCount: course.ratingCount ?? 0, ratingSum: course.ratingSum ?? 0, enrolledCount: course.enrolledCount ?? 0 };
          const after = { ratingCount: ratings.get(hex)?.count ?? 0, ratingSum: ratings.get(hex)?.sum ?? 0, enrolledCount: enrolled.get(hex) ?? 0 };
          if (before.ratingCount === after.ratingCount && before.ratingSum === after.ratingSum && before.enrolledCount === after.enrolledCount) continue;
          // Compare-and-set: if a rating landed since the read, leave this course to the next run.
          const fixed = await this.models.Course.updateOne({ _id: course._id, communityId: id, ...before }, { $set: after }, { session });
          if (fixed.modifiedCount > 0) repairs.push({ courseId: hex, before, after });
        }
        return repairs;
      });
    });
  }

  // Score snapshots

  saveScoreSnapshot(s: ScoreSnapshot): Promise<void> {
    return this.guard(async () => {
      const communityId = this.requireId(s.communityId, 'community');
      await this.models.ScoreSnapshot.insertOne({
        communityId,
        takenAt: s.takenAt,
        score: s.score,
        satisfaction: s.satisfaction,
        coverage: s.coverage,
        memberCount: s.memberCount,
        courseCount: s.courseCount,
      });
    });
  }

  listScoreSnapshots(communityId: string, limit: number): Promise<ScoreSnapshot[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id || !isWholeNumber(limit) || limit < 1) return [];
      const docs = await this.models.ScoreSnapshot.find({ communityId: id }).sort({ takenAt: -1, _id: -1 }).limit(limit).lean<Lean<ScoreSnapshotDoc>[]>();
      return docs.map(toScoreSnapshot);
    });
  }

  // Installations

  saveInstallation(i: Installation): Promise<void> {
    return this.guard(async () => {
      const doc: InstallationDoc = {
        platform: i.platform,
        externalId: requireText(i.externalId, 'installation id'),
        sealed: Buffer.from(i.sealed),
        name: i.name,
        botUserId: i.botUserId,
        scopes: i.scopes,
        installedAt: i.installedAt,
      };
      // Two processes saving the same workspace at once: the loser of the unique index retries as an update.
      await retryOnDuplicateKey(() => this.models.Installation.replaceOne({ platform: requireText(i.platform, 'platform'), externalId: doc.externalId }, doc, { upsert: true }));
    });
  }

  findInstallation(ref: InstallationRef): Promise<Installation | null> {
    return this.guard(async () => {
      const doc = await this.models.Installation.findOne({ platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'installation id') }).lean<Lean<InstallationDoc>>();
      return doc ? toInstallation(doc) : null;
    });
  }

  deleteInstallation(ref: InstallationRef): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.models.Installation.deleteOne({ platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'installation id') });
      return result.deletedCount > 0;
    });
  }

  // Lifecycle

  ping(): Promise<void> {
    return this.guard(async () => {
      // Always ask the driver, even while mongoose reports "disconnected": server selection is
      // what makes the driver check the server again, so this is also how a ping reconnects.
      const db = this.conn.db;
      if (!db) throw new StorageUnavailableError();
      await db.command({ ping: 1 });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.conn.close();
  }

  // Ids

  private requireId(id: string, what: string): Types.ObjectId {
    const parsed = parseObjectId(id);
    if (!parsed) throw new Error(`${what} ${id} does not exist`);
    return parsed;
  }

  /** A record id within a community, or null when either is not an id this store hands out. */
  // A member's data and the grace period (privacy.ts)

  private get privacy(): MongoPrivacy {
    return new MongoPrivacy(this.models, (work) => this.write(work));
  }

  memberData(communityId: string, memberId: string): Promise<MemberData> {
    return this.guard(() => this.privacy.memberData(communityId, memberId));
  }

  eraseMember(communityId: string, memberId: string): Promise<ErasedMember> {
    return this.guard(() => this.privacy.eraseMember(communityId, memberId));
  }

  findMembersByName(communityId: string, name: string, limit: number): Promise<Member[]> {
    return this.guard(() => this.privacy.findMembersByName(communityId, name, limit));
  }

  markCommunityRemoved(ref: CommunityRef, at: Date | null): Promise<boolean> {
    return this.guard(() => this.privacy.markCommunityRemoved(ref, at));
  }

  listCommunitiesRemovedBefore(before: Date): Promise<Community[]> {
    return this.guard(() => this.privacy.listCommunitiesRemovedBefore(before));
  }

  purgeCommunity(communityId: string): Promise<PurgedCommunity> {
    return this.guard(() => this.privacy.purgeCommunity(communityId));
  }

  /** Bulk export and import for `syllabot migrate`. */
  transfer(description: string): MongoTransfer {
    return new MongoTransfer(this.models, (work) => this.write(work), description);
  }

  private scoped(communityId: string, id: string): { communityId: Types.ObjectId; id: Types.ObjectId } | null {
    const community = parseObjectId(communityId);
    const record = parseObjectId(id);
    return community && record ? { communityId: community, id: record } : null;
  }

  private optionalEnrollmentKey(communityId: string, memberId: string, courseId: string): EnrollmentKey | null {
    const community = parseObjectId(communityId);
    const member = parseObjectId(memberId);
    const course = parseObjectId(courseId);
    return community && member && course ? { communityId: community, memberId: member, courseId: course } : null;
  }

  private enrollmentKey(communityId: string, memberId: string, courseId: string): EnrollmentKey {
    const key = this.optionalEnrollmentKey(communityId, memberId, courseId);
    if (!key) throw new Error(`member ${memberId} or course ${courseId} does not exist in community ${communityId}`);
    return key;
  }
}

interface EnrollmentKey {
  communityId: Types.ObjectId;
  memberId: Types.ObjectId;
  courseId: Types.ObjectId;
}

/** The stored course fields, including the folded copies search and prefix lookups match on. */
function courseFields(course: NewCourse): CourseFields {
  const title = requireText(course.title, 'title');
  const description = requireText(course.description, 'description');
  const tags = course.tags.map((tag) => requireText(tag, 'tag'));
  if (typeof course.value !== 'number' || !Number.isFinite(course.value) || course.value <= 0) throw new RangeError('value must be a positive number');
  return {
    title,
    titleFold: foldText(title),
    searchText: searchText(title, description, tags),
    description,
    url: course.url === null ? null : requireText(course.url, 'url'),
    tags,
    value: course.value,
    startsAt: course.startsAt ?? null,
  };
}

/** A log-friendly error without the stack: the name and message are what an operator needs. */
function toLoggable(error: unknown): { name: string; message: string } | string {
  return error instanceof Error ? { name: error.name, message: error.message } : String(error);
}
