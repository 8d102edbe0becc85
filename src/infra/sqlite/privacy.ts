import type { Database as Db } from 'better-sqlite3';
import type { Community, CommunityRef, Member } from '../../domain/model.ts';
import type { ErasedMember, MemberData, PrivacyStore, PurgedCommunity } from '../../ports/store/privacy.ts';
import { SqlitePart } from './connection.ts';
import { COURSE_COLUMNS, toCommunity, toCourse, toMember, type CommunityRow, type CourseRow, type MemberRow } from './rows.ts';

const C_COLUMNS = COURSE_COLUMNS.split(', ').map((c) => `c.${c}`).join(', ');

/** `/privacy` and the grace period on SQLite; every statement is scoped by community. */
export function memberData(db: Db, communityId: string, memberId: string): MemberData {
  const [community, member] = [Number(communityId), Number(memberId)];
  const row = db.prepare('SELECT * FROM members WHERE community_id = ? AND id = ?').get(community, member) as MemberRow | undefined;
  if (!row) throw new Error(`member ${memberId} does not exist in community ${communityId}`);
  const enrollments = db
    .prepare(`SELECT ${C_COLUMNS}, e.enrolled_at FROM enrollments e JOIN courses c ON c.id = e.course_id WHERE e.community_id = ? AND e.member_id = ? ORDER BY c.number`)
    .all(community, member) as (CourseRow & { enrolled_at: number })[];
  const ratings = db
    .prepare(`SELECT ${C_COLUMNS}, r.stars, r.review, r.updated_at FROM ratings r JOIN courses c ON c.id = r.course_id WHERE r.community_id = ? AND r.member_id = ? ORDER BY c.number`)
    .all(community, member) as (CourseRow & { stars: number; review: string | null; updated_at: number })[];
  return {
    member: toMember(row),
    enrollments: enrollments.map((e) => ({ course: toCourse(e), enrolledAt: new Date(e.enrolled_at) })),
    ratings: ratings.map((r) => ({ course: toCourse(r), stars: r.stars, review: r.review, updatedAt: new Date(r.updated_at) })),
  };
}

export function eraseMember(db: Db, communityId: string, memberId: string): ErasedMember {
  const key = { community: Number(communityId), member: Number(memberId) };
  return db
    .transaction((): ErasedMember => {
      const enrolled = db
        .prepare(`SELECT ${C_COLUMNS} FROM enrollments e JOIN courses c ON c.id = e.course_id WHERE e.community_id = :community AND e.member_id = :member ORDER BY c.number`)
        .all(key) as CourseRow[];
      const ratings = db.prepare('SELECT course_id, stars, review FROM ratings WHERE community_id = :community AND member_id = :member').all(key) as {
        course_id: number;
        stars: number;
        review: string | null;
      }[];
      const unrate = db.prepare('UPDATE courses SET rating_count = rating_count - 1, rating_sum = rating_sum - ? WHERE community_id = ? AND id = ?');
      for (const r of ratings) unrate.run(r.stars, key.community, r.course_id);
      const unenroll = db.prepare('UPDATE courses SET enrolled_count = enrolled_count - 1 WHERE community_id = ? AND id = ?');
      for (const c of enrolled) unenroll.run(key.community, c.id);
      db.prepare('DELETE FROM ratings WHERE community_id = :community AND member_id = :member').run(key);
      db.prepare('DELETE FROM enrollment_grants WHERE community_id = :community AND member_id = :member').run(key);
      db.prepare('DELETE FROM console_roles WHERE community_id = :community AND member_external_id = (SELECT external_id FROM members WHERE id = :member)').run(key);
      db.prepare('DELETE FROM enrollments WHERE community_id = :community AND member_id = :member').run(key);
      db.prepare('DELETE FROM members WHERE community_id = :community AND id = :member').run(key);
      return {
        enrollments: enrolled.length,
        ratings: ratings.length,
        reviews: ratings.filter((r) => r.review !== null && r.review !== '').length,
        enrolledCourses: enrolled.map(toCourse),
      };
    })
    .immediate();
}

export function findMembersByName(db: Db, communityId: string, name: string, limit: number): Member[] {
  const rows = db
    .prepare('SELECT * FROM members WHERE community_id = ? AND (external_id = ? OR lower(display_name) = lower(?)) ORDER BY external_id = ? DESC, id LIMIT ?')
    .all(Number(communityId), name, name, name, limit) as MemberRow[];
  return rows.map(toMember);
}

export function markCommunityRemoved(db: Db, ref: CommunityRef, at: Date | null): boolean {
  return db.prepare('UPDATE communities SET removed_at = ? WHERE platform = ? AND external_id = ?').run(at?.getTime() ?? null, ref.platform, ref.externalId).changes > 0;
}

export function listCommunitiesRemovedBefore(db: Db, before: Date): Community[] {
  const rows = db.prepare('SELECT * FROM communities WHERE removed_at IS NOT NULL AND removed_at <= ? ORDER BY removed_at, id').all(before.getTime()) as CommunityRow[];
  return rows.map(toCommunity);
}

/**
 * Every table with a `community_id` column is emptied of the community's rows, so tables added
 * later (history, cohorts) are purged too; foreign keys are checked at commit, in any order.
 */
export function purgeCommunity(db: Db, communityId: string): PurgedCommunity {
  const id = Number(communityId);
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]).filter((table) =>
    (db.prepare(`SELECT name FROM pragma_table_info(?)`).pluck().all(table) as string[]).includes('community_id'),
  );
  return db
    .transaction((): PurgedCommunity => {
      db.pragma('defer_foreign_keys = ON');
      const removed = new Map(tables.map((table) => [table, db.prepare(`DELETE FROM "${table}" WHERE community_id = ?`).run(id).changes]));
      db.prepare('DELETE FROM communities WHERE id = ?').run(id);
      return {
        members: removed.get('members') ?? 0,
        courses: removed.get('courses') ?? 0,
        enrollments: removed.get('enrollments') ?? 0,
        ratings: removed.get('ratings') ?? 0,
        snapshots: removed.get('score_snapshots') ?? 0,
      };
    })
    .immediate();
}

/** The privacy part of the SQLite store. */
export class SqlitePrivacyStore extends SqlitePart implements PrivacyStore {
  memberData(communityId: string, memberId: string): Promise<MemberData> {
    return this.guard(() => memberData(this.db, communityId, memberId));
  }

  eraseMember(communityId: string, memberId: string): Promise<ErasedMember> {
    return this.guard(() => eraseMember(this.db, communityId, memberId));
  }

  findMembersByName(communityId: string, name: string, limit: number): Promise<Member[]> {
    return this.guard(() => findMembersByName(this.db, communityId, name, limit));
  }

  markCommunityRemoved(ref: CommunityRef, at: Date | null): Promise<boolean> {
    return this.guard(() => markCommunityRemoved(this.db, ref, at));
  }

  listCommunitiesRemovedBefore(before: Date): Promise<Community[]> {
    return this.guard(() => listCommunitiesRemovedBefore(this.db, before));
  }

  purgeCommunity(communityId: string): Promise<PurgedCommunity> {
    return this.guard(() => purgeCommunity(this.db, communityId));
  }
}
