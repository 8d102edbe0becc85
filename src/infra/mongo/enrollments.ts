import type { Types } from 'mongoose';
import type { Enrollment, StarHistogram } from '../../domain/model.ts';
import type { EnrollmentQuery, EnrollmentStore, EnrollOutcome, MemberCourse, RateOutcome, UnenrollOutcome } from '../../ports/store/index.ts';
import { WriteRefusedError } from '../../domain/errors.ts';
import { isDuplicateKeyError, retryOnDuplicateKey } from './errors.ts';
import { atOrAfter, isWholeNumber, oneOf, parseObjectId, requireText } from './filters.ts';
import { toCourse, toEnrollment } from './mapping.ts';
import type { CourseDoc, EnrollmentDoc, Lean, RatingDoc } from './models.ts';
import { MongoPart, type EnrollmentKey, type Session } from './part.ts';
import { starHistogramPipeline } from './pipelines.ts';

export class MongoEnrollmentStore extends MongoPart implements EnrollmentStore {
  enroll(communityId: string, memberId: string, courseId: string, at: Date): Promise<EnrollOutcome> {
    return this.guard(async () => {
      const key = this.enrollmentKey(communityId, memberId, courseId);
      try {
        const change = await this.write(async (session) => {
          await this.requireMemberAndOpenCourse(key, session);
          // The unique index decides who enrolled first; a loser gets E11000 before touching the course.
          await this.models.Enrollment.insertOne({ ...key, enrolledAt: at }, { session });
          const counted = await this.models.Course.findOneAndUpdate(openCourse(key), { $inc: { enrolledCount: 1, aggregatesVersion: 1 } }, { returnDocument: 'after', session }).lean<Lean<CourseDoc>>();
          if (!counted) {
            // Archived or removed since the check: refuse, and on the standalone path take the row back.
            if (!session) await this.models.Enrollment.deleteOne(key);
            throw new WriteRefusedError('course-archived', `course ${courseId} was archived while enrolling`);
          }
          return this.changeCatalog(key.communityId, session, [counted]);
        });
        this.catalogChanged(change);
        return 'enrolled';
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
      const done = await this.write(async (session) => {
        const removed = await this.models.Enrollment.deleteOne(key, { session });
        if (removed.deletedCount === 0) return null;
        const course = await this.models.Course.findOneAndUpdate(
          { _id: key.courseId, communityId: key.communityId },
          { $inc: { enrolledCount: -1, aggregatesVersion: 1 } },
          { returnDocument: 'after', session },
        ).lean<Lean<CourseDoc>>();
        return { change: await this.changeCatalog(key.communityId, session, course ? [course] : []) };
      });
      if (!done) return 'not-enrolled';
      this.catalogChanged(done.change);
      return 'unenrolled';
    });
  }

  isEnrolled(communityId: string, memberId: string, courseId: string): Promise<boolean> {
    return this.guard(async () => {
      const key = this.optionalEnrollmentKey(communityId, memberId, courseId);
      return key ? (await this.models.Enrollment.exists(key)) !== null : false;
    });
  }

  hasRated(communityId: string, memberId: string, courseId: string): Promise<boolean> {
    return this.guard(async () => {
      const key = this.optionalEnrollmentKey(communityId, memberId, courseId);
      return key ? (await this.models.Rating.exists(key)) !== null : false;
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

  rate(communityId: string, memberId: string, courseId: string, stars: number, review: string | null, at: Date): Promise<RateOutcome> {
    return this.guard(async () => {
      if (!isWholeNumber(stars) || stars < 1 || stars > 5) throw new RangeError('stars must be a whole number from 1 to 5');
      const text = review === null ? null : requireText(review, 'review');
      const key = this.enrollmentKey(communityId, memberId, courseId);
      // Two first ratings racing can both try to insert: the loser's upsert fails with E11000
      // (nothing written) and runs again, now replacing the winner's row.
      const { outcome, change } = await retryOnDuplicateKey(() =>
        this.write(async (session) => {
          await this.requireMemberAndOpenCourse(key, session);
          // The upsert hands back the row as it was, atomically: the stars it replaced.
          const before = await this.models.Rating.findOneAndUpdate(key, { $set: { stars, review: text, updatedAt: at } }, { upsert: true, returnDocument: 'before', session }).lean<Lean<RatingDoc> | null>();
          const previous = before ? before.stars : null;
          const course = await this.models.Course.findOneAndUpdate(
            openCourse(key),
            { $inc: { ratingCount: previous === null ? 1 : 0, ratingSum: stars - (previous ?? 0), aggregatesVersion: 1 } },
            { returnDocument: 'after', session },
          ).lean<Lean<CourseDoc>>();
          if (!course) {
            if (!session) await this.undoRating(key, before);
            throw new WriteRefusedError('course-archived', `course ${courseId} was archived while rating`);
          }
          const outcome: RateOutcome = { previous, course: toCourse(course) };
          return { outcome, change: await this.changeCatalog(key.communityId, session, [course]) };
        }),
      );
      this.catalogChanged(change);
      return outcome;
    });
  }

  /**
   * Nothing in MongoDB ties an enrollment or rating to a member or course that exists, let alone
   * to one of the same community (SQLite's foreign keys do half of that): refuse before writing.
   * In a transaction these reads are part of its snapshot, and the course update that follows
   * is conditional on the course still being open.
   */
  private async requireMemberAndOpenCourse(key: EnrollmentKey, session: Session): Promise<void> {
    const member = await this.models.Member.exists({ _id: key.memberId, communityId: key.communityId }).session(session ?? null);
    if (!member) throw new WriteRefusedError('member-not-found', `member ${key.memberId.toHexString()} is not in community ${key.communityId.toHexString()}`);
    const course = await this.models.Course.findOne({ _id: key.courseId, communityId: key.communityId }).select({ archived: 1 }).session(session ?? null).lean<{ archived: boolean }>();
    if (!course) throw new WriteRefusedError('course-not-found', `course ${key.courseId.toHexString()} is not in community ${key.communityId.toHexString()}`);
    if (course.archived) throw new WriteRefusedError('course-archived', `course ${key.courseId.toHexString()} is archived`);
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
}

/** The filter of a course that takes enrollments and ratings: in the community, not archived. */
function openCourse(key: EnrollmentKey): { _id: Types.ObjectId; communityId: Types.ObjectId; archived: false } {
  return { _id: key.courseId, communityId: key.communityId, archived: false };
}
