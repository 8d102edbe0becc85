import mongoose, { type ClientSession, type Connection, type Model, type Types } from 'mongoose';
import type { CommunityRef, Platform } from '../../domain/model.ts';
import {
  communityKey,
  type CommunityRecord,
  type ConsoleRoleRecord,
  type CourseAccessRecord,
  type CourseRecord,
  type EnrollmentRecord,
  type GrantRecord,
  type HistoryRecord,
  type MemberRecord,
  type RatingRecord,
  type SnapshotRecord,
  type StoreTransfer,
  type TransferKind,
  type TransferRecords,
} from '../../ports/store/transfer.ts';
import { foldText, searchText } from '../text-fold.ts';
import { toInstallation, toSettings } from './mapping.ts';
import type { CommunityDoc, CourseDoc, EnrollmentDoc, InstallationDoc, Lean, MemberDoc, RatingDoc, ScoreSnapshotDoc } from './models.ts';
import { MongoPart, type MongoContext } from './part.ts';

type Id = Types.ObjectId;
type BulkOps = Parameters<Model<unknown>['bulkWrite']>[0];
type NaturalKeys = { community: CommunityRef; member: string | null; course: number };
/** The ids every cohort document carries (course access has no member). */
interface CohortDoc {
  _id: Id;
  communityId: Id;
  courseId?: Id;
  memberId?: Id;
}

const trustedIn = <T>(values: readonly T[]) => mongoose.trusted({ $in: [...values] }) as { $in: T[] };
const after = (id: Id | null) => (id ? { _id: mongoose.trusted({ $gt: id }) as { $gt: Id } } : {});

/**
 * `syllabot migrate` on MongoDB: documents read in `_id` order with their natural keys
 * resolved per batch, and written with upserts on the unique indexes (one transaction per batch
 * where the server has them), so an import can be repeated without duplicates.
 */
export class MongoTransfer extends MongoPart implements StoreTransfer {
  private readonly conn: Connection;

  constructor(
    context: MongoContext,
    readonly description: string,
  ) {
    super(context);
    this.conn = context.conn;
  }

  /** The cohort collections' models, registered on this connection by MongoCohortStore. */
  private cohortModel(kind: 'courseAccess' | 'grants' | 'consoleRoles'): Model<unknown> {
    return this.conn.model({ courseAccess: 'CourseAccess', grants: 'EnrollmentGrant', consoleRoles: 'ConsoleRole' }[kind]) as unknown as Model<unknown>;
  }

  private model(kind: TransferKind): Model<unknown> {
    if (kind === 'courseAccess' || kind === 'grants' || kind === 'consoleRoles') return this.cohortModel(kind);
    if (kind === 'history') return this.conn.model('DailySnapshot') as unknown as Model<unknown>;
    const byKind = {
      communities: this.models.Community,
      members: this.models.Member,
      courses: this.models.Course,
      enrollments: this.models.Enrollment,
      ratings: this.models.Rating,
      snapshots: this.models.ScoreSnapshot,
      installations: this.models.Installation,
    } as const;
    return byKind[kind] as unknown as Model<unknown>;
  }

  count(kind: TransferKind): Promise<number> {
    return this.guard(() => this.model(kind).countDocuments({}));
  }

  async *dump<K extends TransferKind>(kind: K, batchSize: number): AsyncIterable<TransferRecords[K][]> {
    const refs = new Map<string, CommunityRef>(
      (await this.models.Community.find({}).select({ platform: 1, externalId: 1 }).lean<Lean<CommunityDoc>[]>()).map((c) => [
        c._id.toHexString(),
        { platform: c.platform as Platform, externalId: c.externalId },
      ]),
    );
    let last: Id | null = null;
    for (;;) {
      const docs = (await this.model(kind).find(after(last)).sort({ _id: 1 }).limit(batchSize).lean()) as { _id: Id }[];
      if (docs.length === 0) return;
      last = docs.at(-1)!._id;
      yield (await this.toRecords(kind, docs, refs)) as TransferRecords[K][];
      if (docs.length < batchSize) return;
    }
  }

  private async toRecords(kind: TransferKind, docs: { _id: Id }[], refs: Map<string, CommunityRef>): Promise<TransferRecords[TransferKind][]> {
    const ref = (id: Id) => refs.get(id.toHexString());
    switch (kind) {
      case 'communities': {
        const list = docs as Lean<CommunityDoc>[];
        const counters = new Map(
          (await this.models.CourseCounter.find({ _id: trustedIn(list.map((c) => c._id)) }).lean()).map((c) => [c._id.toHexString(), c.last]),
        );
        const highest = new Map(
          (await this.models.Course.aggregate<{ _id: Id; top: number }>([{ $match: { communityId: { $in: list.map((c) => c._id) } } }, { $group: { _id: '$communityId', top: { $max: '$number' } } }])).map(
            (h) => [h._id.toHexString(), h.top],
          ),
        );
        return list.map(
          (c): CommunityRecord => ({
            platform: c.platform as Platform,
            externalId: c.externalId,
            name: c.name,
            settings: toSettings(c.settings),
            createdAt: c.createdAt,
            nextCourseNumber: Math.max(counters.get(c._id.toHexString()) ?? 0, highest.get(c._id.toHexString()) ?? 0) + 1,
            removedAt: c.removedAt ?? null,
          }),
        );
      }
      case 'members':
        return (docs as Lean<MemberDoc>[]).flatMap((m): MemberRecord[] => {
          const community = ref(m.communityId);
          return community ? [{ community, externalId: m.externalId, displayName: m.displayName, remindersEnabled: m.remindersEnabled !== false, joinedAt: m.joinedAt }] : [];
        });
      case 'courses':
        return (docs as Lean<CourseDoc>[]).flatMap((c): CourseRecord[] => {
          const community = ref(c.communityId);
          return community
            ? [
                {
                  community,
                  number: c.number,
                  title: c.title,
                  description: c.description ?? '',
                  url: c.url ?? null,
                  tags: [...(c.tags ?? [])],
                  value: c.value,
                  startsAt: c.startsAt ?? null,
                  archived: c.archived === true,
                  createdAt: c.createdAt,
                  ratingCount: c.ratingCount ?? 0,
                  ratingSum: c.ratingSum ?? 0,
                  enrolledCount: c.enrolledCount ?? 0,
                },
              ]
            : [];
        });
      case 'enrollments':
      case 'ratings': {
        const list = docs as (Lean<EnrollmentDoc> | Lean<RatingDoc>)[];
        const [members, courses] = await Promise.all([
          this.models.Member.find({ _id: trustedIn(list.map((d) => d.memberId)) }).select({ externalId: 1 }).lean<Lean<MemberDoc>[]>(),
          this.models.Course.find({ _id: trustedIn(list.map((d) => d.courseId)) }).select({ number: 1 }).lean<Lean<CourseDoc>[]>(),
        ]);
        const memberIds = new Map(members.map((m) => [m._id.toHexString(), m.externalId]));
        const numbers = new Map(courses.map((c) => [c._id.toHexString(), c.number]));
        return list.flatMap((d): (EnrollmentRecord | RatingRecord)[] => {
          const community = ref(d.communityId);
          const member = memberIds.get(d.memberId.toHexString());
          const course = numbers.get(d.courseId.toHexString());
          if (!community || member === undefined || course === undefined) return [];
          if ('enrolledAt' in d) return [{ community, member, course, enrolledAt: d.enrolledAt }];
          return [{ community, member, course, stars: d.stars, review: d.review ?? null, updatedAt: d.updatedAt }];
        });
      }
      case 'courseAccess': {
        const list = docs as (CohortDoc & { roleId: string | null; channelId: string | null; channelLeave: boolean; requiredRoleId: string | null })[];
        const numbers = await this.courseNumbers(list.map((d) => d.courseId!));
        return list.flatMap((d): CourseAccessRecord[] => {
          const community = ref(d.communityId);
          const course = numbers.get(d.courseId!.toHexString());
          return community && course !== undefined
            ? [{ community, course, roleId: d.roleId ?? null, channelId: d.channelId ?? null, channelLeave: d.channelLeave === true, requiredRoleId: d.requiredRoleId ?? null }]
            : [];
        });
      }
      case 'grants': {
        const list = docs as (CohortDoc & { roleId: string | null; state: GrantRecord['state']; lapsed: boolean; updatedAt: Date })[];
        const [numbers, members] = await Promise.all([this.courseNumbers(list.map((d) => d.courseId!)), this.memberIds(list.map((d) => d.memberId!))]);
        return list.flatMap((d): GrantRecord[] => {
          const community = ref(d.communityId);
          const course = numbers.get(d.courseId!.toHexString());
          const member = members.get(d.memberId!.toHexString());
          return community && course !== undefined && member !== undefined
            ? [{ community, member, course, roleId: d.roleId ?? null, state: d.state, lapsed: d.lapsed === true, updatedAt: d.updatedAt }]
            : [];
        });
      }
      case 'consoleRoles':
        return (docs as (CohortDoc & { memberExternalId: string; role: string })[]).flatMap((d): ConsoleRoleRecord[] => {
          const community = ref(d.communityId);
          return community ? [{ community, member: d.memberExternalId, role: d.role }] : [];
        });
      case 'snapshots':
        return (docs as Lean<ScoreSnapshotDoc>[]).flatMap((s): SnapshotRecord[] => {
          const community = ref(s.communityId);
          return community
            ? [{ community, takenAt: s.takenAt, score: s.score, satisfaction: s.satisfaction, coverage: s.coverage, memberCount: s.memberCount, courseCount: s.courseCount }]
            : [];
        });
      case 'history':
        return (docs as (Omit<HistoryRecord, 'community'> & { _id: Id; communityId: Id })[]).flatMap((d): HistoryRecord[] => {
          const community = ref(d.communityId);
          if (!community) return [];
          const { _id: _id, communityId: _communityId, ...day } = d;
          return [{ ...day, courses: [...(day.courses ?? [])], community }];
        });
      case 'installations':
        return (docs as Lean<InstallationDoc>[]).map(toInstallation);
    }
  }

  import<K extends TransferKind>(kind: K, records: readonly TransferRecords[K][]): Promise<number> {
    if (records.length === 0) return Promise.resolve(0);
    return this.guard(() => this.write((session) => this.importBatch(kind, records as readonly TransferRecords[TransferKind][], session)));
  }

  private async importBatch(kind: TransferKind, records: readonly TransferRecords[TransferKind][], session: ClientSession | undefined): Promise<number> {
    // Typed loosely here: each caller builds its operations from its own document type.
    const bulk = async (model: object, ops: object[]) => {
      if (ops.length === 0) return 0;
      const result = await (model as Model<unknown>).bulkWrite(ops as BulkOps, { ordered: false, session });
      return result.upsertedCount + result.matchedCount;
    };
    switch (kind) {
      case 'communities': {
        const list = records as CommunityRecord[];
        const written = await bulk(
          this.models.Community,
          list.map((c) => ({
            updateOne: {
              filter: { platform: c.platform, externalId: c.externalId },
              update: { $set: { name: c.name, settings: { ...c.settings }, createdAt: c.createdAt, removedAt: c.removedAt } },
              upsert: true,
            },
          })),
        );
        const ids = await this.communityIds(list, session);
        await bulk(
          this.models.CourseCounter,
          list.flatMap((c) => {
            const id = ids.get(communityKey(c));
            return id ? [{ updateOne: { filter: { _id: id }, update: { $max: { last: c.nextCourseNumber - 1 } }, upsert: true } }] : [];
          }),
        );
        return written;
      }
      case 'members': {
        const list = records as MemberRecord[];
        const ids = await this.communityIds(list.map((m) => m.community), session);
        return bulk(
          this.models.Member,
          list.flatMap((m) => {
            const communityId = ids.get(communityKey(m.community));
            return communityId
              ? [{ updateOne: { filter: { communityId, externalId: m.externalId }, update: { $set: { displayName: m.displayName, remindersEnabled: m.remindersEnabled, joinedAt: m.joinedAt } }, upsert: true } }]
              : [];
          }),
        );
      }
      case 'courses': {
        const list = records as CourseRecord[];
        const ids = await this.communityIds(list.map((c) => c.community), session);
        const written = await bulk(
          this.models.Course,
          list.flatMap((c) => {
            const communityId = ids.get(communityKey(c.community));
            if (!communityId) return [];
            const { community: _community, ...fields } = c;
            const update = { ...fields, titleFold: foldText(c.title), searchText: searchText(c.title, c.description, c.tags) };
            return [{ updateOne: { filter: { communityId, number: c.number }, update: { $set: update }, upsert: true } }];
          }),
        );
        // Processes serving these communities see their catalogs changed.
        const changed = new Set(list.flatMap((c) => ids.get(communityKey(c.community)) ?? []));
        await bulk(
          this.models.Community,
          [...changed].map((_id) => ({ updateOne: { filter: { _id }, update: { $set: { catalogVersion: new mongoose.Types.ObjectId() } } } })),
        );
        return written;
      }
      case 'enrollments':
      case 'ratings': {
        const list = records as (EnrollmentRecord | RatingRecord)[];
        const keys = await this.memberAndCourseIds(list, session);
        const ops = list.flatMap((r) => {
          const key = keys(r);
          if (!key) return [];
          const update = 'enrolledAt' in r ? { enrolledAt: r.enrolledAt } : { stars: r.stars, review: r.review, updatedAt: r.updatedAt };
          return [{ updateOne: { filter: key, update: { $set: update }, upsert: true } }];
        });
        return bulk(kind === 'enrollments' ? this.models.Enrollment : this.models.Rating, ops);
      }
      case 'courseAccess': {
        const list = records as CourseAccessRecord[];
        const keys = await this.memberAndCourseIds(list.map((r) => ({ ...r, member: null })), session);
        return bulk(
          this.cohortModel('courseAccess'),
          list.flatMap((r) => {
            const key = keys({ ...r, member: null });
            if (!key) return [];
            const { communityId, courseId } = key;
            return [{ updateOne: { filter: { communityId, courseId }, update: { $set: { roleId: r.roleId, channelId: r.channelId, channelLeave: r.channelLeave, requiredRoleId: r.requiredRoleId } }, upsert: true } }];
          }),
        );
      }
      case 'grants': {
        const list = records as GrantRecord[];
        const keys = await this.memberAndCourseIds(list, session);
        return bulk(
          this.cohortModel('grants'),
          list.flatMap((r) => {
            const key = keys(r);
            return key ? [{ updateOne: { filter: key, update: { $set: { roleId: r.roleId, state: r.state, lapsed: r.lapsed, updatedAt: r.updatedAt } }, upsert: true } }] : [];
          }),
        );
      }
      case 'consoleRoles': {
        const list = records as ConsoleRoleRecord[];
        const ids = await this.communityIds(list.map((r) => r.community), session);
        const ops = list.flatMap((r) => {
          const communityId = ids.get(communityKey(r.community));
          if (!communityId) return [];
          const doc = { communityId, memberExternalId: r.member, role: r.role };
          return [{ updateOne: { filter: doc, update: { $setOnInsert: doc }, upsert: true } }];
        });
        return bulk(this.cohortModel('consoleRoles'), ops);
      }
      case 'snapshots': {
        const list = records as SnapshotRecord[];
        const ids = await this.communityIds(list.map((s) => s.community), session);
        const ops = list.flatMap((s) => {
          const communityId = ids.get(communityKey(s.community));
          if (!communityId) return [];
          const { community: _community, ...fields } = s;
          return [{ updateOne: { filter: { communityId, takenAt: s.takenAt }, update: { $setOnInsert: { ...fields, communityId } }, upsert: true } }];
        });
        if (ops.length === 0) return 0;
        return (await this.models.ScoreSnapshot.bulkWrite(ops, { ordered: false, session })).upsertedCount;
      }
      case 'history': {
        const list = records as HistoryRecord[];
        const ids = await this.communityIds(list.map((r) => r.community), session);
        const courseIds = new Map<string, Map<number, string>>();
        for (const [key, communityId] of ids) {
          const courses = await this.models.Course.find({ communityId }).session(session ?? null).select({ number: 1 }).lean<Lean<CourseDoc>[]>();
          courseIds.set(key, new Map(courses.map((c) => [c.number, c._id.toHexString()])));
        }
        return bulk(
          this.conn.model('DailySnapshot'),
          list.flatMap((r) => {
            const key = communityKey(r.community);
            const communityId = ids.get(key);
            if (!communityId) return [];
            const { community: _community, ...day } = r;
            // Courses are named by the source's ids: each becomes this store's course of that number.
            const courses = day.courses.map((c) => ({ ...c, courseId: courseIds.get(key)?.get(c.number) ?? c.courseId }));
            return [{ updateOne: { filter: { communityId, day: r.day }, update: { $set: { ...day, courses } }, upsert: true } }];
          }),
        );
      }
      case 'installations': {
        const list = records as TransferRecords['installations'][];
        return bulk(
          this.models.Installation,
          list.map((i) => ({
            updateOne: {
              filter: { platform: i.platform, externalId: i.externalId },
              update: { $set: { sealed: Buffer.from(i.sealed), name: i.name, botUserId: i.botUserId, scopes: [...i.scopes], installedAt: i.installedAt } },
              upsert: true,
            },
          })),
        );
      }
    }
  }

  private async courseNumbers(ids: readonly Id[]): Promise<Map<string, number>> {
    const docs = await this.models.Course.find({ _id: trustedIn(ids) }).select({ number: 1 }).lean<Lean<CourseDoc>[]>();
    return new Map(docs.map((c) => [c._id.toHexString(), c.number]));
  }

  private async memberIds(ids: readonly Id[]): Promise<Map<string, string>> {
    const docs = await this.models.Member.find({ _id: trustedIn(ids) }).select({ externalId: 1 }).lean<Lean<MemberDoc>[]>();
    return new Map(docs.map((m) => [m._id.toHexString(), m.externalId]));
  }

  private async communityIds(refs: readonly CommunityRef[], session: ClientSession | undefined): Promise<Map<string, Id>> {
    const byPlatform = new Map<string, Set<string>>();
    for (const r of refs) (byPlatform.get(r.platform) ?? byPlatform.set(r.platform, new Set()).get(r.platform)!).add(r.externalId);
    const ids = new Map<string, Id>();
    for (const [platform, externalIds] of byPlatform) {
      const docs = await this.models.Community.find({ platform, externalId: trustedIn([...externalIds]) })
        .session(session ?? null)
        .select({ platform: 1, externalId: 1 })
        .lean<Lean<CommunityDoc>[]>();
      for (const d of docs) ids.set(communityKey({ platform: d.platform as Platform, externalId: d.externalId }), d._id);
    }
    return ids;
  }

  /** Resolves natural keys to this store's ids for a batch; a null member resolves the course alone. */
  private async memberAndCourseIds<R extends NaturalKeys>(list: readonly R[], session: ClientSession | undefined): Promise<(r: NaturalKeys) => { communityId: Id; memberId: Id; courseId: Id } | null> {
    const communities = await this.communityIds(list.map((r) => r.community), session);
    const members = new Map<string, Id>();
    const courses = new Map<string, Id>();
    for (const [key, communityId] of communities) {
      const mine = list.filter((r) => communityKey(r.community) === key);
      const [m, c] = await Promise.all([
        this.models.Member.find({ communityId, externalId: trustedIn([...new Set(mine.flatMap((r) => (r.member === null ? [] : [r.member])))]) }).session(session ?? null).select({ externalId: 1 }).lean<Lean<MemberDoc>[]>(),
        this.models.Course.find({ communityId, number: trustedIn([...new Set(mine.map((r) => r.course))]) }).session(session ?? null).select({ number: 1 }).lean<Lean<CourseDoc>[]>(),
      ]);
      for (const doc of m) members.set(`${key}\u0000${doc.externalId}`, doc._id);
      for (const doc of c) courses.set(`${key}\u0000${doc.number}`, doc._id);
    }
    return (r) => {
      const key = communityKey(r.community);
      const communityId = communities.get(key);
      const courseId = courses.get(`${key}\u0000${r.course}`);
      // A course-only key (course access) carries its community id in place of a member id.
      const memberId = r.member === null ? communityId : members.get(`${key}\u0000${r.member}`);
      return communityId && memberId && courseId ? { communityId, memberId, courseId } : null;
    };
  }
}
