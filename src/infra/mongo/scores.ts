import type { Types } from 'mongoose';
import type { ScoreSnapshot } from '../../domain/model.ts';
import type { CourseAggregateRepair, ScoreStore } from '../../ports/store/index.ts';
import { isWholeNumber, parseObjectId } from './filters.ts';
import { toScoreSnapshot } from './mapping.ts';
import type { CourseCounterDoc, CourseDoc, Lean, ScoreSnapshotDoc } from './models.ts';
import { MongoPart } from './part.ts';
import { enrollmentTotalsPipeline, ratingTotalsPipeline } from './pipelines.ts';

export class MongoScoreStore extends MongoPart implements ScoreStore {
  /**
   * Per course, counting in no transaction: each course's version is read first, then the rows
   * are counted, and a drifted course is repaired only if its version is unchanged. Every write that
   * moves the aggregates bumps the version in the same transaction as its row, so an unchanged
   * version means no row of that course changed between the version read and the repair, and
   * the count is as new as the figures it replaces. A course that changed is left to the next run.
   * Each repair marks the community's catalog changed (in one short transaction with it where
   * the server has them).
   */
  recomputeAggregates(communityId: string): Promise<CourseAggregateRepair[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id) return [];
      const courses = await this.models.Course.find({ communityId: id })
        .select({ ratingCount: 1, ratingSum: 1, enrolledCount: 1, aggregatesVersion: 1 })
        .lean<{ _id: Types.ObjectId; ratingCount: number; ratingSum: number; enrolledCount: number; aggregatesVersion?: number }[]>();
      const ratingTotals = await this.models.Rating.aggregate<{ _id: Types.ObjectId; count: number; sum: number }>(ratingTotalsPipeline(id));
      const enrollmentTotals = await this.models.Enrollment.aggregate<{ _id: Types.ObjectId; count: number }>(enrollmentTotalsPipeline(id));
      const ratings = new Map(ratingTotals.map((r) => [r._id.toHexString(), r]));
      const enrolled = new Map(enrollmentTotals.map((e) => [e._id.toHexString(), e.count]));
      const repairs: CourseAggregateRepair[] = [];
      for (const course of courses) {
        const hex = course._id.toHexString();
        const before = { ratingCount: course.ratingCount ?? 0, ratingSum: course.ratingSum ?? 0, enrolledCount: course.enrolledCount ?? 0 };
        const after = { ratingCount: ratings.get(hex)?.count ?? 0, ratingSum: ratings.get(hex)?.sum ?? 0, enrolledCount: enrolled.get(hex) ?? 0 };
        if (before.ratingCount === after.ratingCount && before.ratingSum === after.ratingSum && before.enrolledCount === after.enrolledCount) continue;
        // `null` also matches a course stored before versions existed.
        const version = course.aggregatesVersion ?? null;
        // The repair and the catalog version change commit together where there are transactions.
        const repaired = await this.write(async (session) => {
          const fixed = await this.models.Course.findOneAndUpdate({ _id: course._id, communityId: id, aggregatesVersion: version }, { $set: after, $inc: { aggregatesVersion: 1 } }, { returnDocument: 'after', session }).lean<Lean<CourseDoc>>();
          return fixed ? { change: await this.changeCatalog(id, session, [fixed]) } : null;
        });
        if (!repaired) continue;
        this.catalogChanged(repaired.change);
        repairs.push({ courseId: hex, before, after });
      }
      return repairs;
    });
  }

  /** The sequence number comes from the community's counter document, so the server orders ties. */
  saveScoreSnapshot(s: ScoreSnapshot): Promise<void> {
    return this.guard(async () => {
      const communityId = this.requireId(s.communityId, 'community');
      const counter = await this.models.CourseCounter.findOneAndUpdate({ _id: communityId }, { $inc: { snapshots: 1 } }, { upsert: true, returnDocument: 'after' }).lean<CourseCounterDoc>();
      await this.models.ScoreSnapshot.insertOne({
        communityId,
        takenAt: s.takenAt,
        score: s.score,
        satisfaction: s.satisfaction,
        coverage: s.coverage,
        memberCount: s.memberCount,
        courseCount: s.courseCount,
        seq: counter.snapshots ?? 0,
      });
    });
  }

  listScoreSnapshots(communityId: string, limit: number): Promise<ScoreSnapshot[]> {
    return this.guard(async () => {
      const id = parseObjectId(communityId);
      if (!id || !isWholeNumber(limit) || limit < 1) return [];
      const docs = await this.models.ScoreSnapshot.find({ communityId: id }).sort({ takenAt: -1, seq: -1, _id: -1 }).limit(limit).lean<Lean<ScoreSnapshotDoc>[]>();
      return docs.map(toScoreSnapshot);
    });
  }
}
