import { Schema, type Types } from 'mongoose';
import type { DailySnapshot } from '../../domain/history.ts';

/** The domain snapshot as stored: only the community reference changes type. */
export type DailySnapshotDoc = Omit<DailySnapshot, 'communityId'> & { communityId: Types.ObjectId };

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
