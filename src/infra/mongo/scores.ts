import type { Types } from 'mongoose';
import type { ScoreSnapshot } from '../../domain/model.ts';
import type { CourseAggregateRepair, ScoreStore } from '../../ports/store/index.ts';
import { isWholeNumber, parseObjectId } from './filters.ts';
import { toScoreSnapshot } from './mapping.ts';
import type { Lean, ScoreSnapshotDoc } from './models.ts';
import { MongoPart } from './part.ts';
import { enrollmentTotalsPipeline, ratingTotalsPipeline } from './pipelines.ts';

export class MongoScoreStore extends MongoPart implements ScoreStore {
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
}
