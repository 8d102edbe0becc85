import { Schema, type Types } from 'mongoose';
import type { CourseDay } from '../../domain/history.ts';

export interface DailySnapshotDoc {
  communityId: Types.ObjectId;
  /** `YYYY-MM-DD` in the community's time zone. */
  day: string;
  takenAt: Date;
  score: number;
  satisfaction: number;
  coverage: number;
  memberCount: number;
  ratingCount: number;
  enrollmentCount: number;
  activeCourseCount: number;
  courses: CourseDay[];
}

const { ObjectId, Mixed } = Schema.Types;

export const dailySnapshotSchema = new Schema<DailySnapshotDoc>(
  {
    communityId: { type: ObjectId, required: true },
    day: { type: String, required: true },
    takenAt: { type: Date, required: true },
    score: { type: Number, required: true },
    satisfaction: { type: Number, required: true },
    coverage: { type: Number, required: true },
    memberCount: { type: Number, required: true },
    ratingCount: { type: Number, required: true },
    enrollmentCount: { type: Number, required: true },
    activeCourseCount: { type: Number, required: true },
    // Read and written only as a whole: no per-course schema to keep in step.
    courses: { type: Mixed, default: [] },
  },
  { versionKey: false, strictQuery: 'throw', autoIndex: false, autoCreate: false, collection: 'daily_snapshots' },
);
// The unique key is what makes "one snapshot per community and day" hold across processes.
dailySnapshotSchema.index({ communityId: 1, day: 1 }, { unique: true, name: 'daily_snapshot_key' });
dailySnapshotSchema.index({ takenAt: 1 }, { name: 'daily_snapshots_by_time' });
