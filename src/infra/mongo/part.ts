import { Types, type ClientSession, type Connection } from 'mongoose';
import { WriteRefusedError } from '../../domain/errors.ts';
import type { CatalogChange, VersionedCatalog } from '../catalog/versioned-catalog.ts';
import { toStoreError } from './errors.ts';
import { parseObjectId } from './filters.ts';
import { toCatalogEntry, versionToken } from './mapping.ts';
import type { CourseDoc, Lean, Models } from './models.ts';

/** The transaction's session, or undefined on the standalone path. */
export type Session = ClientSession | undefined;

/** What the per-aggregate modules share: one connection, its models, and whether it has transactions. */
export interface MongoContext {
  readonly conn: Connection;
  readonly models: Models;
  /** Whether multi-document writes run in transactions (see MongoStore). */
  readonly transactions: boolean;
  /** The course catalogs kept in memory, or null when turned off (see MongoStore). */
  readonly catalog: VersionedCatalog | null;
}

export interface EnrollmentKey {
  communityId: Types.ObjectId;
  memberId: Types.ObjectId;
  courseId: Types.ObjectId;
}

/**
 * The base of each aggregate's module: driver errors become the store's errors, multi-document
 * writes run in a transaction where the server has them, and ids that this store never handed
 * out find nothing instead of erroring.
 */
export abstract class MongoPart {
  constructor(private readonly context: MongoContext) {}

  protected get models(): Models {
    return this.context.models;
  }

  protected async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Runs `work` in a transaction when the server has them, else directly (no session). */
  protected write<T>(work: (session: Session) => Promise<T>): Promise<T> {
    if (!this.context.transactions) return work(undefined);
    return this.context.conn.transaction((session) => work(session));
  }

  protected get catalog(): VersionedCatalog | null {
    return this.context.catalog;
  }

  /**
   * Marks a community's course catalog changed, for every process's cached copy (see
   * VersionedCatalog): a new version token on the community document. Call it after the
   * write's course writes, with the same session, so that in a transaction both commit
   * together. `courses`: the courses the write changed, as it left them (trusted only in a
   * transaction). Null when the community does not exist. Hand the result to `catalogChanged`
   * once the write has returned.
   */
  protected async changeCatalog(communityId: Types.ObjectId, session: Session, courses: readonly Lean<CourseDoc>[] | null = null): Promise<CatalogChange | null> {
    const after = new Types.ObjectId();
    const before = await this.models.Community.findOneAndUpdate({ _id: communityId }, { $set: { catalogVersion: after } }, { session, returnDocument: 'before', projection: { catalogVersion: 1 } }).lean<{
      catalogVersion?: unknown;
    }>();
    if (!before) return null;
    return { communityId: communityId.toHexString(), before: versionToken(before.catalogVersion), after: after.toHexString(), courses: session && courses ? courses.map(toCatalogEntry) : null };
  }

  /** This process's cached catalog learns of a write that returned (see changeCatalog). */
  protected catalogChanged(change: CatalogChange | null | undefined): void {
    if (change) this.context.catalog?.applied(change);
  }

  protected requireId(id: string, what: 'community'): Types.ObjectId {
    const parsed = parseObjectId(id);
    if (!parsed) throw new WriteRefusedError(`${what}-not-found`, `${what} ${id} does not exist`);
    return parsed;
  }

  /** A record id within a community, or null when either is not an id this store hands out. */
  protected scoped(communityId: string, id: string): { communityId: Types.ObjectId; id: Types.ObjectId } | null {
    const community = parseObjectId(communityId);
    const record = parseObjectId(id);
    return community && record ? { communityId: community, id: record } : null;
  }

  protected optionalEnrollmentKey(communityId: string, memberId: string, courseId: string): EnrollmentKey | null {
    const community = parseObjectId(communityId);
    const member = parseObjectId(memberId);
    const course = parseObjectId(courseId);
    return community && member && course ? { communityId: community, memberId: member, courseId: course } : null;
  }

  protected enrollmentKey(communityId: string, memberId: string, courseId: string): EnrollmentKey {
    const key = this.optionalEnrollmentKey(communityId, memberId, courseId);
    if (key) return key;
    if (!parseObjectId(communityId) || !parseObjectId(memberId)) throw new WriteRefusedError('member-not-found', `member ${memberId} is not in community ${communityId}`);
    throw new WriteRefusedError('course-not-found', `course ${courseId} is not in community ${communityId}`);
  }
}
