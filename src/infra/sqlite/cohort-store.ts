import type { Database, Statement } from 'better-sqlite3';
import { NO_COURSE_ACCESS, type CourseAccess, type EnrollmentGrant, type GrantCounts, type GrantState } from '../../domain/cohort.ts';
import { StorageUnavailableError } from '../../domain/errors.ts';
import type { CohortStore, CourseAccessPatch } from '../../ports/store/index.ts';

interface AccessRow {
  course_id: number;
  role_id: string | null;
  channel_id: string | null;
  channel_leave: number;
  required_role_id: string | null;
}

interface GrantRow {
  member_id: number;
  course_id: number;
  role_id: string | null;
  state: GrantState;
  lapsed: number;
  updated_at: number;
}

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/;

/** The SQLite side of CohortStore (migration 4's tables); shares the store's connection. */
export class SqliteCohortStore implements CohortStore {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private sql(text: string): Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private guard<T>(work: () => T): Promise<T> {
    try {
      return Promise.resolve(work());
    } catch (error) {
      if (error instanceof Error && 'code' in error && UNAVAILABLE.test(String(error.code))) return Promise.reject(new StorageUnavailableError(error));
      return Promise.reject(error);
    }
  }

  private accessRow(communityId: string, courseId: string): CourseAccess {
    const row = this.sql('SELECT * FROM course_access WHERE community_id = ? AND course_id = ?').get(Number(communityId), Number(courseId)) as AccessRow | undefined;
    return row ? toAccess(row) : NO_COURSE_ACCESS(courseId);
  }

  getCourseAccess(communityId: string, courseId: string): Promise<CourseAccess> {
    return this.guard(() => this.accessRow(communityId, courseId));
  }

  listCourseAccess(communityId: string, courseIds: readonly string[]): Promise<Map<string, CourseAccess>> {
    return this.guard(() => {
      const out = new Map<string, CourseAccess>();
      if (courseIds.length === 0) return out;
      // One statement for any number of ids (every /courses page asks): preparing one per call
      // cost more than the query.
      const rows = this.sql('SELECT * FROM course_access WHERE community_id = ? AND course_id IN (SELECT value FROM json_each(?))').all(
        Number(communityId),
        JSON.stringify(courseIds.map(Number)),
      ) as AccessRow[];
      for (const row of rows) out.set(String(row.course_id), toAccess(row));
      return out;
    });
  }

  setCourseAccess(communityId: string, courseId: string, patch: CourseAccessPatch): Promise<CourseAccess> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const exists = this.sql('SELECT 1 FROM courses WHERE community_id = ? AND id = ?').get(Number(communityId), Number(courseId));
          if (!exists) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
          const next = { ...this.accessRow(communityId, courseId), ...patch };
          this.sql(
            `INSERT INTO course_access (community_id, course_id, role_id, channel_id, channel_leave, required_role_id) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (community_id, course_id) DO UPDATE SET role_id = excluded.role_id, channel_id = excluded.channel_id,
               channel_leave = excluded.channel_leave, required_role_id = excluded.required_role_id`,
          ).run(Number(communityId), Number(courseId), next.roleId, next.channelId, next.channelLeave ? 1 : 0, next.requiredRoleId);
          return next;
        })
        .immediate(),
    );
  }

  getGrant(communityId: string, memberId: string, courseId: string): Promise<EnrollmentGrant | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM enrollment_grants WHERE community_id = ? AND course_id = ? AND member_id = ?').get(
        Number(communityId),
        Number(courseId),
        Number(memberId),
      ) as GrantRow | undefined;
      return row ? toGrant(row) : null;
    });
  }

  listGrants(communityId: string, courseId: string): Promise<EnrollmentGrant[]> {
    return this.guard(() =>
      (
        this.sql(
          `SELECT g.* FROM enrollment_grants g
           JOIN enrollments e ON e.community_id = g.community_id AND e.course_id = g.course_id AND e.member_id = g.member_id
           WHERE g.community_id = ? AND g.course_id = ? ORDER BY g.member_id`,
        ).all(Number(communityId), Number(courseId)) as GrantRow[]
      ).map(toGrant),
    );
  }

  setGrant(communityId: string, memberId: string, courseId: string, roleId: string | null, state: GrantState, at: Date): Promise<void> {
    return this.guard(() => {
      this.sql(
        `INSERT INTO enrollment_grants (community_id, member_id, course_id, role_id, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (community_id, course_id, member_id) DO UPDATE SET role_id = excluded.role_id, state = excluded.state, updated_at = excluded.updated_at`,
      ).run(Number(communityId), Number(memberId), Number(courseId), roleId, state, at.getTime());
    });
  }

  setLapsed(communityId: string, memberId: string, courseId: string, lapsed: boolean, at: Date): Promise<void> {
    return this.guard(() => {
      this.sql(
        `INSERT INTO enrollment_grants (community_id, member_id, course_id, role_id, state, lapsed, updated_at) VALUES (?, ?, ?, NULL, 'none', ?, ?)
         ON CONFLICT (community_id, course_id, member_id) DO UPDATE SET lapsed = excluded.lapsed`,
      ).run(Number(communityId), Number(memberId), Number(courseId), lapsed ? 1 : 0, at.getTime());
    });
  }

  clearGrant(communityId: string, memberId: string, courseId: string): Promise<void> {
    return this.guard(() => {
      this.sql('DELETE FROM enrollment_grants WHERE community_id = ? AND course_id = ? AND member_id = ?').run(Number(communityId), Number(courseId), Number(memberId));
    });
  }

  grantCounts(communityId: string, courseId: string, roleId: string | null): Promise<GrantCounts> {
    return this.guard(() => {
      const row = this.sql(
        `SELECT count(*) AS total,
           coalesce(sum(g.state = 'granted' AND g.role_id = :role), 0) AS granted,
           coalesce(sum(g.state = 'refused'), 0) AS refused,
           coalesce(sum(g.state = 'left' AND g.role_id = :role), 0) AS "left",
           coalesce(sum(:role IS NOT NULL AND coalesce(g.state, 'none') != 'refused'
             AND NOT (coalesce(g.role_id = :role, 0) AND g.state IN ('granted', 'left'))), 0) AS waiting,
           coalesce(sum(g.lapsed), 0) AS lapsed
         FROM enrollments e
         LEFT JOIN enrollment_grants g ON g.community_id = e.community_id AND g.course_id = e.course_id AND g.member_id = e.member_id
         WHERE e.community_id = :community AND e.course_id = :course`,
      ).get({ community: Number(communityId), course: Number(courseId), role: roleId }) as GrantCounts;
      return { ...row };
    });
  }

  coursesNeedingSync(communityId: string): Promise<string[]> {
    return this.guard(() =>
      (
        this.sql(
          `SELECT DISTINCT e.course_id FROM enrollments e
           JOIN course_access a ON a.community_id = e.community_id AND a.course_id = e.course_id
           LEFT JOIN enrollment_grants g ON g.community_id = e.community_id AND g.course_id = e.course_id AND g.member_id = e.member_id
           -- What the grant records are about: the role, else the channel (grantTarget in the domain).
           WHERE e.community_id = ? AND (
             (coalesce(a.role_id, 'channel:' || a.channel_id) IS NOT NULL AND (g.role_id IS NULL OR g.role_id != coalesce(a.role_id, 'channel:' || a.channel_id) OR g.state NOT IN ('granted', 'left')))
             OR (g.state = 'granted' AND g.role_id IS NOT coalesce(a.role_id, 'channel:' || a.channel_id) AND g.role_id NOT LIKE 'channel:%'))
           ORDER BY e.course_id`,
        )
          .pluck()
          .all(Number(communityId)) as number[]
      ).map(String),
    );
  }

  grantConsoleRole(communityId: string, memberExternalId: string, role: string): Promise<boolean> {
    return this.guard(
      () => this.sql('INSERT OR IGNORE INTO console_roles (community_id, member_external_id, role) VALUES (?, ?, ?)').run(Number(communityId), memberExternalId, role).changes > 0,
    );
  }

  revokeConsoleRole(communityId: string, memberExternalId: string, role: string): Promise<boolean> {
    return this.guard(
      () => this.sql('DELETE FROM console_roles WHERE community_id = ? AND member_external_id = ? AND role = ?').run(Number(communityId), memberExternalId, role).changes > 0,
    );
  }

  listConsoleRoles(communityId: string, memberExternalId: string): Promise<string[]> {
    return this.guard(
      () => this.sql('SELECT role FROM console_roles WHERE community_id = ? AND member_external_id = ? ORDER BY role').pluck().all(Number(communityId), memberExternalId) as string[],
    );
  }
}

function toAccess(row: AccessRow): CourseAccess {
  return {
    courseId: String(row.course_id),
    roleId: row.role_id,
    channelId: row.channel_id,
    channelLeave: row.channel_leave === 1,
    requiredRoleId: row.required_role_id,
  };
}

function toGrant(row: GrantRow): EnrollmentGrant {
  return {
    memberId: String(row.member_id),
    courseId: String(row.course_id),
    roleId: row.role_id,
    state: row.state,
    lapsed: row.lapsed === 1,
    updatedAt: new Date(row.updated_at),
  };
}
