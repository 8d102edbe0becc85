import type { ClientSession, Connection, Types } from 'mongoose';
import { WriteRefusedError } from '../../domain/errors.ts';
import { toStoreError } from './errors.ts';
import { parseObjectId } from './filters.ts';
import type { Models } from './models.ts';

/** The transaction's session, or undefined on the standalone path. */
export type Session = ClientSession | undefined;

/** What the per-aggregate modules share: one connection, its models, and whether it has transactions. */
export interface MongoContext {
  readonly conn: Connection;
  readonly models: Models;
  /** Whether multi-document writes run in transactions (see MongoStore). */
  readonly transactions: boolean;
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
