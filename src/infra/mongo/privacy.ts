import mongoose, { type Connection, type Types } from 'mongoose';
import type { Community, CommunityRef, Member } from '../../domain/model.ts';
import type { ErasedMember, MemberData, PrivacyStore, PurgedCommunity } from '../../ports/store/privacy.ts';
import { MongoPart, type MongoContext } from './part.ts';
import { escapeRegex, oneOf, parseObjectId, requireText } from './filters.ts';
import { toCommunity, toCourse, toMember } from './mapping.ts';
import type { CommunityDoc, CourseDoc, Lean, MemberDoc, RatingDoc } from './models.ts';

/** `/privacy` and the grace period on MongoDB; every query filters on the community first. */
export class MongoPrivacyStore extends MongoPart implements PrivacyStore {
  private readonly conn: Connection;

  constructor(context: MongoContext) {
    super(context);
    this.conn = context.conn;
  }

  private async memberDataNow(communityId: string, memberId: string): Promise<MemberData> {
    const key = this.scoped(communityId, memberId);
    const member = key ? await this.models.Member.findOne({ _id: key.id, communityId: key.communityId }).lean<Lean<MemberDoc>>() : null;
    if (!key || !member) throw new Error(`member ${memberId} does not exist in community ${communityId}`);
    const scope = { communityId: key.communityId, memberId: key.id };
    const [enrollments, ratings] = await Promise.all([
      this.models.Enrollment.find(scope).lean<{ courseId: Types.ObjectId; enrolledAt: Date }[]>(),
      this.models.Rating.find(scope).lean<Lean<RatingDoc>[]>(),
    ]);
    const ids = [...enrollments.map((e) => e.courseId), ...ratings.map((r) => r.courseId)];
    const courses = new Map(
      (await this.models.Course.find({ communityId: key.communityId, _id: oneOf(ids) }).lean<Lean<CourseDoc>[]>()).map((c) => [c._id.toHexString(), toCourse(c)]),
    );
    const byNumber = <T extends { course: { number: number } }>(list: T[]) => list.sort((a, b) => a.course.number - b.course.number);
    return {
      member: toMember(member),
      enrollments: byNumber(enrollments.flatMap((e) => (courses.has(e.courseId.toHexString()) ? [{ course: courses.get(e.courseId.toHexString())!, enrolledAt: e.enrolledAt }] : []))),
      ratings: byNumber(
        ratings.flatMap((r) => (courses.has(r.courseId.toHexString()) ? [{ course: courses.get(r.courseId.toHexString())!, stars: r.stars, review: r.review ?? null, updatedAt: r.updatedAt }] : [])),
      ),
    };
  }

  private async eraseMemberNow(communityId: string, memberId: string): Promise<ErasedMember> {
    const key = this.scoped(communityId, memberId);
    if (!key) return { enrollments: 0, ratings: 0, reviews: 0, enrolledCourses: [] };
    const { erased, change } = await this.write(async (session) => {
      const scope = { communityId: key.communityId, memberId: key.id };
      const [enrollments, ratings] = await Promise.all([
        this.models.Enrollment.find(scope).session(session ?? null).lean<{ courseId: Types.ObjectId }[]>(),
        this.models.Rating.find(scope).session(session ?? null).lean<Lean<RatingDoc>[]>(),
      ]);
      for (const r of ratings) {
        await this.models.Course.updateOne({ _id: r.courseId, communityId: key.communityId }, { $inc: { ratingCount: -1, ratingSum: -r.stars, aggregatesVersion: 1 } }, { session });
      }
      for (const e of enrollments) {
        await this.models.Course.updateOne({ _id: e.courseId, communityId: key.communityId }, { $inc: { enrolledCount: -1, aggregatesVersion: 1 } }, { session });
      }
      await this.models.Rating.deleteMany(scope, { session });
      await this.models.Enrollment.deleteMany(scope, { session });
      // Cohort records (grants, console roles) go with the member.
      await this.conn.collection('enrollment_grants').deleteMany(scope, { session });
      const gone = await this.models.Member.findOne({ _id: key.id, communityId: key.communityId }).session(session ?? null).lean<Lean<MemberDoc>>();
      if (gone) await this.conn.collection('console_roles').deleteMany({ communityId: key.communityId, memberExternalId: gone.externalId }, { session });
      await this.models.Member.deleteOne({ _id: key.id, communityId: key.communityId }, { session });
      const courses = await this.models.Course.find({ communityId: key.communityId, _id: oneOf(enrollments.map((e) => e.courseId)) })
        .sort({ number: 1 })
        .session(session ?? null)
        .lean<Lean<CourseDoc>[]>();
      const erased: ErasedMember = {
        enrollments: enrollments.length,
        ratings: ratings.length,
        reviews: ratings.filter((r) => r.review).length,
        enrolledCourses: courses.map(toCourse),
      };
      // Course figures moved: the community's catalog changed.
      const change = enrollments.length + ratings.length > 0 ? await this.changeCatalog(key.communityId, session) : null;
      return { erased, change };
    });
    this.catalogChanged(change);
    return erased;
  }

  private async findMembersByNameNow(communityId: string, name: string, limit: number): Promise<Member[]> {
    const id = parseObjectId(communityId);
    if (!id) return [];
    const text = requireText(name, 'member name');
    const docs = await this.models.Member.find({ communityId: id, $or: [{ externalId: text }, { displayName: new RegExp(`^${escapeRegex(text)}$`, 'i') }] })
      .sort({ _id: 1 })
      .limit(limit)
      .lean<Lean<MemberDoc>[]>();
    return docs.sort((a, b) => Number(b.externalId === text) - Number(a.externalId === text)).map(toMember);
  }

  private async markCommunityRemovedNow(ref: CommunityRef, at: Date | null): Promise<boolean> {
    const updated = await this.models.Community.updateOne(
      { platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'community id') },
      { $set: { removedAt: at } },
    );
    return updated.matchedCount > 0;
  }

  private async listCommunitiesRemovedBeforeNow(before: Date): Promise<Community[]> {
    const docs = await this.models.Community.find({ removedAt: mongoose.trusted({ $type: 'date', $lte: before }) })
      .sort({ removedAt: 1, _id: 1 })
      .lean<Lean<CommunityDoc>[]>();
    return docs.map(toCommunity);
  }

  private async purgeCommunityNow(communityId: string): Promise<PurgedCommunity> {
    const id = parseObjectId(communityId);
    if (!id) return { members: 0, courses: 0, enrollments: 0, ratings: 0, snapshots: 0 };
    const purged = await this.write(async (session) => {
      const scope = { communityId: id };
      const ratings = (await this.models.Rating.deleteMany(scope, { session })).deletedCount;
      const enrollments = (await this.models.Enrollment.deleteMany(scope, { session })).deletedCount;
      const snapshots = (await this.models.ScoreSnapshot.deleteMany(scope, { session })).deletedCount;
      // The daily history (/stats) goes with the community too.
      await this.models.DailySnapshot.deleteMany(scope, { session });
      const courses = (await this.models.Course.deleteMany(scope, { session })).deletedCount;
      const members = (await this.models.Member.deleteMany(scope, { session })).deletedCount;
      for (const collection of ['course_access', 'enrollment_grants', 'console_roles', 'daily_snapshots']) await this.conn.collection(collection).deleteMany(scope, { session });
      await this.models.CourseCounter.deleteOne({ _id: id }, { session });
      // Without its document the community has no catalog version: every process reads the store.
      await this.models.Community.deleteOne({ _id: id }, { session });
      return { members, courses, enrollments, ratings, snapshots };
    });
    this.catalog?.forget(id.toHexString());
    return purged;
  }

  memberData(communityId: string, memberId: string): Promise<MemberData> {
    return this.guard(() => this.memberDataNow(communityId, memberId));
  }

  eraseMember(communityId: string, memberId: string): Promise<ErasedMember> {
    return this.guard(() => this.eraseMemberNow(communityId, memberId));
  }

  findMembersByName(communityId: string, name: string, limit: number): Promise<Member[]> {
    return this.guard(() => this.findMembersByNameNow(communityId, name, limit));
  }

  markCommunityRemoved(ref: CommunityRef, at: Date | null): Promise<boolean> {
    return this.guard(() => this.markCommunityRemovedNow(ref, at));
  }

  listCommunitiesRemovedBefore(before: Date): Promise<Community[]> {
    return this.guard(() => this.listCommunitiesRemovedBeforeNow(before));
  }

  purgeCommunity(communityId: string): Promise<PurgedCommunity> {
    return this.guard(() => this.purgeCommunityNow(communityId));
  }
}
