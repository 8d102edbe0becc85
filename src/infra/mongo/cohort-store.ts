import mongoose, { Schema, type Connection, type Model, type Types } from 'mongoose';
import { GRANT_STATES, NO_COURSE_ACCESS, grantTarget, targetChannel, type CourseAccess, type EnrollmentGrant, type GrantCounts, type GrantState } from '../../domain/cohort.ts';
import type { CohortStore, CourseAccessPatch } from '../../ports/store/index.ts';
import { toStoreError } from './errors.ts';
import { parseObjectId, requireText } from './filters.ts';
import { ensureIndexes, type CourseDoc, type EnrollmentDoc } from './models.ts';

interface CourseAccessDoc {
  communityId: Types.ObjectId;
  courseId: Types.ObjectId;
  roleId: string | null;
  channelId: string | null;
  channelLeave: boolean;
  requiredRoleId: string | null;
}

interface GrantDoc {
  communityId: Types.ObjectId;
  memberId: Types.ObjectId;
  courseId: Types.ObjectId;
  roleId: string | null;
  state: GrantState;
  lapsed: boolean;
  updatedAt: Date;
}

interface ConsoleRoleDoc {
  communityId: Types.ObjectId;
  memberExternalId: string;
  role: string;
}

const OPTIONS = { versionKey: false, strictQuery: 'throw', autoIndex: false, autoCreate: false } as const;
const { ObjectId } = Schema.Types;

const courseAccessSchema = new Schema<CourseAccessDoc>(
  {
    communityId: { type: ObjectId, required: true },
    courseId: { type: ObjectId, required: true },
    roleId: { type: String, default: null },
    channelId: { type: String, default: null },
    channelLeave: { type: Boolean, default: false },
    requiredRoleId: { type: String, default: null },
  },
  { ...OPTIONS, collection: 'course_access' },
);
courseAccessSchema.index({ communityId: 1, courseId: 1 }, { unique: true, name: 'course_access_key' });

const grantSchema = new Schema<GrantDoc>(
  {
    communityId: { type: ObjectId, required: true },
    memberId: { type: ObjectId, required: true },
    courseId: { type: ObjectId, required: true },
    roleId: { type: String, default: null },
    state: { type: String, required: true, enum: [...GRANT_STATES] },
    lapsed: { type: Boolean, default: false },
    updatedAt: { type: Date, required: true },
  },
  { ...OPTIONS, collection: 'enrollment_grants' },
);
grantSchema.index({ communityId: 1, courseId: 1, memberId: 1 }, { unique: true, name: 'grant_key' });

const consoleRoleSchema = new Schema<ConsoleRoleDoc>(
  {
    communityId: { type: ObjectId, required: true },
    memberExternalId: { type: String, required: true },
    role: { type: String, required: true },
  },
  { ...OPTIONS, collection: 'console_roles' },
);
consoleRoleSchema.index({ communityId: 1, memberExternalId: 1, role: 1 }, { unique: true, name: 'console_role_key' });

interface CohortModels {
  CourseAccess: Model<CourseAccessDoc>;
  Grant: Model<GrantDoc>;
  ConsoleRole: Model<ConsoleRoleDoc>;
  Enrollment: Model<EnrollmentDoc>;
  Course: Model<CourseDoc>;
}

type Lean<T> = T & { _id: Types.ObjectId };

/** The MongoDB side of CohortStore: three collections beside the catalog's, on its connection. */
export class MongoCohortStore implements CohortStore {
  private constructor(private readonly models: CohortModels) {}

  /** Binds the cohort schemas to the store's connection and creates their indexes. */
  static async open(conn: Connection): Promise<MongoCohortStore> {
    const models = {
      CourseAccess: conn.model<CourseAccessDoc>('CourseAccess', courseAccessSchema),
      Grant: conn.model<GrantDoc>('EnrollmentGrant', grantSchema),
      ConsoleRole: conn.model<ConsoleRoleDoc>('ConsoleRole', consoleRoleSchema),
    };
    await ensureIndexes(models as never);
    return new MongoCohortStore({ ...models, Enrollment: conn.model<EnrollmentDoc>('Enrollment'), Course: conn.model<CourseDoc>('Course') });
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  getCourseAccess(communityId: string, courseId: string): Promise<CourseAccess> {
    return this.guard(async () => {
      const [community, course] = [parseObjectId(communityId), parseObjectId(courseId)];
      if (!community || !course) return NO_COURSE_ACCESS(courseId);
      const doc = await this.models.CourseAccess.findOne({ communityId: community, courseId: course }).lean<Lean<CourseAccessDoc>>();
      return doc ? toAccess(doc) : NO_COURSE_ACCESS(courseId);
    });
  }

  listCourseAccess(communityId: string, courseIds: readonly string[]): Promise<Map<string, CourseAccess>> {
    return this.guard(async () => {
      const out = new Map<string, CourseAccess>();
      const community = parseObjectId(communityId);
      const ids = courseIds.map(parseObjectId).filter((id): id is Types.ObjectId => id !== null);
      if (!community || ids.length === 0) return out;
      const docs = await this.models.CourseAccess.find({ communityId: community, courseId: mongoose.trusted({ $in: ids }) }).lean<Lean<CourseAccessDoc>[]>();
      for (const doc of docs) out.set(String(doc.courseId), toAccess(doc));
      return out;
    });
  }

  setCourseAccess(communityId: string, courseId: string, patch: CourseAccessPatch): Promise<CourseAccess> {
    return this.guard(async () => {
      const [community, course] = [parseObjectId(communityId), parseObjectId(courseId)];
      if (!community || !course || !(await this.models.Course.exists({ _id: course, communityId: community }))) {
        throw new Error(`course ${courseId} does not exist in community ${communityId}`);
      }
      const set: Partial<CourseAccessDoc> = {};
      if (patch.roleId !== undefined) set.roleId = patch.roleId;
      if (patch.channelId !== undefined) set.channelId = patch.channelId;
      if (patch.channelLeave !== undefined) set.channelLeave = patch.channelLeave;
      if (patch.requiredRoleId !== undefined) set.requiredRoleId = patch.requiredRoleId;
      const doc = await this.models.CourseAccess.findOneAndUpdate(
        { communityId: community, courseId: course },
        { $set: set, $setOnInsert: { communityId: community, courseId: course } },
        { upsert: true, returnDocument: 'after' },
      ).lean<Lean<CourseAccessDoc>>();
      return toAccess(doc!);
    });
  }

  private grantKey(communityId: string, memberId: string, courseId: string) {
    const [community, member, course] = [parseObjectId(communityId), parseObjectId(memberId), parseObjectId(courseId)];
    return community && member && course ? { communityId: community, memberId: member, courseId: course } : null;
  }

  getGrant(communityId: string, memberId: string, courseId: string): Promise<EnrollmentGrant | null> {
    return this.guard(async () => {
      const key = this.grantKey(communityId, memberId, courseId);
      const doc = key ? await this.models.Grant.findOne(key).lean<Lean<GrantDoc>>() : null;
      return doc ? toGrant(doc) : null;
    });
  }

  private async enrolledMemberIds(community: Types.ObjectId, course: Types.ObjectId): Promise<Set<string>> {
    const docs = await this.models.Enrollment.find({ communityId: community, courseId: course }).select({ memberId: 1 }).lean<{ memberId: Types.ObjectId }[]>();
    return new Set(docs.map((d) => String(d.memberId)));
  }

  listGrants(communityId: string, courseId: string): Promise<EnrollmentGrant[]> {
    return this.guard(async () => {
      const [community, course] = [parseObjectId(communityId), parseObjectId(courseId)];
      if (!community || !course) return [];
      const enrolled = await this.enrolledMemberIds(community, course);
      const docs = await this.models.Grant.find({ communityId: community, courseId: course }).sort({ memberId: 1 }).lean<Lean<GrantDoc>[]>();
      return docs.filter((d) => enrolled.has(String(d.memberId))).map(toGrant);
    });
  }

  setGrant(communityId: string, memberId: string, courseId: string, roleId: string | null, state: GrantState, at: Date): Promise<void> {
    return this.guard(async () => {
      const key = this.grantKey(communityId, memberId, courseId);
      if (!key) throw new Error(`no enrollment ${memberId}/${courseId} in community ${communityId}`);
      await this.models.Grant.updateOne(key, { $set: { roleId, state, updatedAt: at }, $setOnInsert: { ...key, lapsed: false } }, { upsert: true });
    });
  }

  setLapsed(communityId: string, memberId: string, courseId: string, lapsed: boolean, at: Date): Promise<void> {
    return this.guard(async () => {
      const key = this.grantKey(communityId, memberId, courseId);
      if (!key) throw new Error(`no enrollment ${memberId}/${courseId} in community ${communityId}`);
      await this.models.Grant.updateOne(key, { $set: { lapsed }, $setOnInsert: { ...key, roleId: null, state: 'none', updatedAt: at } }, { upsert: true });
    });
  }

  clearGrant(communityId: string, memberId: string, courseId: string): Promise<void> {
    return this.guard(async () => {
      const key = this.grantKey(communityId, memberId, courseId);
      if (key) await this.models.Grant.deleteOne(key);
    });
  }

  grantCounts(communityId: string, courseId: string, roleId: string | null): Promise<GrantCounts> {
    return this.guard(async () => {
      const counts: GrantCounts = { granted: 0, refused: 0, left: 0, waiting: 0, lapsed: 0, total: 0 };
      const [community, course] = [parseObjectId(communityId), parseObjectId(courseId)];
      if (!community || !course) return counts;
      const enrolled = await this.enrolledMemberIds(community, course);
      const grants = new Map((await this.models.Grant.find({ communityId: community, courseId: course }).lean<Lean<GrantDoc>[]>()).map((g) => [String(g.memberId), g]));
      for (const memberId of enrolled) countGrant(counts, grants.get(memberId) ?? null, roleId);
      return counts;
    });
  }

  coursesNeedingSync(communityId: string): Promise<string[]> {
    return this.guard(async () => {
      const community = parseObjectId(communityId);
      if (!community) return [];
      const out: string[] = [];
      for (const access of await this.models.CourseAccess.find({ communityId: community }).sort({ courseId: 1 }).lean<Lean<CourseAccessDoc>[]>()) {
        const enrolled = await this.enrolledMemberIds(community, access.courseId);
        const grants = new Map((await this.models.Grant.find({ communityId: community, courseId: access.courseId }).lean<Lean<GrantDoc>[]>()).map((g) => [String(g.memberId), g]));
        const needs = [...enrolled].some((memberId) => {
          const g = grants.get(memberId);
          // What the grant records are about: the role, else the channel.
          const target = grantTarget({ roleId: access.roleId ?? null, channelId: access.channelId ?? null });
          if (g?.state === 'granted' && g.roleId !== target && (g.roleId === null || targetChannel(g.roleId) === null)) return true;
          return target !== null && !(g && g.roleId === target && (g.state === 'granted' || g.state === 'left'));
        });
        if (needs) out.push(String(access.courseId));
      }
      return out;
    });
  }

  grantConsoleRole(communityId: string, memberExternalId: string, role: string): Promise<boolean> {
    return this.guard(async () => {
      const community = parseObjectId(communityId);
      if (!community) return false;
      const doc = { communityId: community, memberExternalId: requireText(memberExternalId, 'member id'), role: requireText(role, 'role') };
      const result = await this.models.ConsoleRole.updateOne(doc, { $setOnInsert: doc }, { upsert: true });
      return result.upsertedCount > 0;
    });
  }

  revokeConsoleRole(communityId: string, memberExternalId: string, role: string): Promise<boolean> {
    return this.guard(async () => {
      const community = parseObjectId(communityId);
      if (!community) return false;
      const result = await this.models.ConsoleRole.deleteOne({ communityId: community, memberExternalId: requireText(memberExternalId, 'member id'), role: requireText(role, 'role') });
      return result.deletedCount > 0;
    });
  }

  listConsoleRoles(communityId: string, memberExternalId: string): Promise<string[]> {
    return this.guard(async () => {
      const community = parseObjectId(communityId);
      if (!community) return [];
      const docs = await this.models.ConsoleRole.find({ communityId: community, memberExternalId: requireText(memberExternalId, 'member id') }).sort({ role: 1 }).lean<Lean<ConsoleRoleDoc>[]>();
      return docs.map((d) => d.role);
    });
  }
}

/** One enrollee's contribution to GrantCounts, the same rules as the SQLite query. */
function countGrant(counts: GrantCounts, g: Pick<GrantDoc, 'roleId' | 'state' | 'lapsed'> | null, roleId: string | null): void {
  counts.total++;
  if (g?.state === 'granted' && g.roleId === roleId) counts.granted++;
  if (g?.state === 'refused') counts.refused++;
  if (g?.state === 'left' && g.roleId === roleId) counts.left++;
  if (roleId !== null && g?.state !== 'refused' && !(g && g.roleId === roleId && (g.state === 'granted' || g.state === 'left'))) counts.waiting++;
  if (g?.lapsed) counts.lapsed++;
}

function toAccess(doc: CourseAccessDoc): CourseAccess {
  return { courseId: String(doc.courseId), roleId: doc.roleId ?? null, channelId: doc.channelId ?? null, channelLeave: doc.channelLeave === true, requiredRoleId: doc.requiredRoleId ?? null };
}

function toGrant(doc: GrantDoc): EnrollmentGrant {
  return { memberId: String(doc.memberId), courseId: String(doc.courseId), roleId: doc.roleId ?? null, state: doc.state, lapsed: doc.lapsed === true, updatedAt: doc.updatedAt };
}
