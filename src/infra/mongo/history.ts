import mongoose, { type Types } from 'mongoose';
import type { DailySnapshot } from '../../domain/history.ts';
import type { ActivityRow, HistoryStore, RatingRow, RowPage } from '../../ports/store/index.ts';
import { isDuplicateKeyError } from './errors.ts';
import { isWholeNumber, oneOf, parseObjectId } from './filters.ts';
import type { DailySnapshotDoc } from './history-models.ts';
import type { Lean } from './models.ts';
import { MongoPart } from './part.ts';

interface KeyedRow {
  memberId: Types.ObjectId;
  courseId: Types.ObjectId;
  at: Date;
  stars?: number;
  review?: string | null;
}

/** Cursor `<member id>.<course id>` (hex): the position in the (member, course) key order. */
function parseCursor(after: string | undefined): { member: Types.ObjectId; course: Types.ObjectId } | null {
  const [member, course] = (after ?? '').split('.');
  const m = parseObjectId(member ?? '');
  const c = parseObjectId(course ?? '');
  return m && c ? { member: m, course: c } : null;
}

export class MongoHistoryStore extends MongoPart implements HistoryStore {
  saveDailySnapshot(s: DailySnapshot): Promise<boolean> {
    return this.guard(async () => {
      const communityId = this.requireId(s.communityId, 'community');
      const { communityId: _c, day, ...figures } = s;
      try {
        const result = await this.models.DailySnapshot.updateOne({ communityId, day }, { $setOnInsert: { communityId, day, ...figures } }, { upsert: true });
        return result.upsertedCount > 0;
      } catch (error) {
        // Two upserts racing on the unique key: the loser gets E11000, and the day is taken.
        if (isDuplicateKeyError(error)) return false;
        throw error;
      }
    });
  }

  listDailySnapshots(communityId: string, fromDay: string): Promise<DailySnapshot[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return [];
      const docs = await this.models.DailySnapshot.find({ communityId: id, day: mongoose.trusted({ $gte: String(fromDay) }) })
        .sort({ day: 1 })
        .lean<Lean<DailySnapshotDoc>[]>();
      return docs.map((d) => ({
        communityId: d.communityId.toHexString(),
        day: d.day,
        takenAt: d.takenAt,
        score: d.score,
        satisfaction: d.satisfaction,
        coverage: d.coverage,
        memberCount: d.memberCount,
        ratingCount: d.ratingCount,
        enrollmentCount: d.enrollmentCount,
        activeCourseCount: d.activeCourseCount,
        courses: d.courses,
      }));
    });
  }

  pruneDailySnapshots(before: Date): Promise<number> {
    return this.guard(async () => (await this.models.DailySnapshot.deleteMany({ takenAt: mongoose.trusted({ $lt: before }) })).deletedCount);
  }

  listEnrollmentRows(communityId: string, after: string | undefined, limit: number): Promise<RowPage<ActivityRow>> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id || !isWholeNumber(limit) || limit < 1) return { rows: [] };
      const docs = await this.models.Enrollment.find({ communityId: id, ...this.afterFilter(after) })
        .sort({ memberId: 1, courseId: 1 })
        .limit(limit)
        .lean<{ memberId: Types.ObjectId; courseId: Types.ObjectId; enrolledAt: Date }[]>();
      return this.page(id, docs.map((d) => ({ memberId: d.memberId, courseId: d.courseId, at: d.enrolledAt })), limit, (row, base) => base);
    });
  }

  listRatingRows(communityId: string, after: string | undefined, limit: number): Promise<RowPage<RatingRow>> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id || !isWholeNumber(limit) || limit < 1) return { rows: [] };
      const docs = await this.models.Rating.find({ communityId: id, ...this.afterFilter(after) })
        .sort({ memberId: 1, courseId: 1 })
        .limit(limit)
        .lean<{ memberId: Types.ObjectId; courseId: Types.ObjectId; updatedAt: Date; stars: number; review: string | null }[]>();
      const rows = docs.map((d) => ({ memberId: d.memberId, courseId: d.courseId, at: d.updatedAt, stars: d.stars, review: d.review }));
      return this.page(id, rows, limit, (row, base) => ({ ...base, stars: row.stars!, review: row.review ?? null }));
    });
  }

  listRecentReviews(communityId: string, limit: number): Promise<RatingRow[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id || !isWholeNumber(limit) || limit < 1) return [];
      const docs = await this.models.Rating.find({ communityId: id, review: mongoose.trusted({ $nin: [null, ''] }) })
        .sort({ updatedAt: -1, memberId: 1, courseId: 1 })
        .limit(limit)
        .lean<{ memberId: Types.ObjectId; courseId: Types.ObjectId; updatedAt: Date; stars: number; review: string | null }[]>();
      const rows = docs.map((d) => ({ memberId: d.memberId, courseId: d.courseId, at: d.updatedAt, stars: d.stars, review: d.review }));
      return (await this.page(id, rows, Number.POSITIVE_INFINITY, (row, base) => ({ ...base, stars: row.stars!, review: row.review ?? null }))).rows;
    });
  }

  private afterFilter(after: string | undefined): Record<string, unknown> {
    const cursor = parseCursor(after);
    if (!cursor) return {};
    return { $or: [{ memberId: mongoose.trusted({ $gt: cursor.member }) }, { memberId: cursor.member, courseId: mongoose.trusted({ $gt: cursor.course }) }] };
  }

  /** Adds member and course names (two batched reads), in the rows' order. */
  private async page<T>(communityId: Types.ObjectId, rows: KeyedRow[], limit: number, shape: (row: KeyedRow, base: ActivityRow) => T): Promise<RowPage<T>> {
    const memberIds = [...new Map(rows.map((r) => [r.memberId.toHexString(), r.memberId])).values()];
    const courseIds = [...new Map(rows.map((r) => [r.courseId.toHexString(), r.courseId])).values()];
    const [members, courses] = await Promise.all([
      this.models.Member.find({ communityId, _id: oneOf(memberIds) }).lean<{ _id: Types.ObjectId; externalId: string; displayName: string }[]>(),
      this.models.Course.find({ communityId, _id: oneOf(courseIds) }).lean<{ _id: Types.ObjectId; number: number; title: string }[]>(),
    ]);
    const memberBy = new Map(members.map((m) => [m._id.toHexString(), m]));
    const courseBy = new Map(courses.map((c) => [c._id.toHexString(), c]));
    const out: T[] = [];
    for (const row of rows) {
      const member = memberBy.get(row.memberId.toHexString());
      const course = courseBy.get(row.courseId.toHexString());
      if (!member || !course) continue;
      out.push(shape(row, { memberExternalId: member.externalId, memberName: member.displayName, courseNumber: course.number, courseTitle: course.title, at: row.at }));
    }
    const last = rows.at(-1);
    return { rows: out, ...(rows.length === limit && last ? { next: `${last.memberId.toHexString()}.${last.courseId.toHexString()}` } : {}) };
  }
}
