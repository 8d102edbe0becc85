import type { Database as Db } from 'better-sqlite3';
import type { Platform } from '../../domain/model.ts';
import type {
  CommunityRecord,
  ConsoleRoleRecord,
  CourseAccessRecord,
  CourseRecord,
  EnrollmentRecord,
  GrantRecord,
  HistoryRecord,
  MemberRecord,
  RatingRecord,
  SnapshotRecord,
  StoreTransfer,
  TransferKind,
  TransferRecords,
} from '../../ports/store/transfer.ts';
import { foldText, searchText } from '../text-fold.ts';
import { toCourse, toInstallation, toMember, type CourseRow, type InstallationRow, type MemberRow } from './rows.ts';

type Row = Record<string, unknown>;

/**
 * How each kind is read: a query over the table joined to its natural keys, paged by a
 * monotonic key (`k`, a rowid) so a batch never repeats or skips a row.
 */
const READ: Record<TransferKind, { table: string; query: string }> = {
  communities: { table: 'communities', query: 'SELECT c.rowid AS k, c.* FROM communities c' },
  members: {
    table: 'members',
    query: 'SELECT m.rowid AS k, c.platform, c.external_id AS community_ext, m.* FROM members m JOIN communities c ON c.id = m.community_id',
  },
  courses: {
    table: 'courses',
    query: 'SELECT co.rowid AS k, c.platform, c.external_id AS community_ext, co.* FROM courses co JOIN communities c ON c.id = co.community_id',
  },
  enrollments: {
    table: 'enrollments',
    query: `SELECT e.rowid AS k, c.platform, c.external_id AS community_ext, m.external_id AS member_ext, co.number AS course_number, e.enrolled_at
            FROM enrollments e JOIN communities c ON c.id = e.community_id JOIN members m ON m.id = e.member_id JOIN courses co ON co.id = e.course_id`,
  },
  ratings: {
    table: 'ratings',
    query: `SELECT r.rowid AS k, c.platform, c.external_id AS community_ext, m.external_id AS member_ext, co.number AS course_number, r.stars, r.review, r.updated_at
            FROM ratings r JOIN communities c ON c.id = r.community_id JOIN members m ON m.id = r.member_id JOIN courses co ON co.id = r.course_id`,
  },
  courseAccess: {
    table: 'course_access',
    query: 'SELECT a.rowid AS k, c.platform, c.external_id AS community_ext, co.number AS course_number, a.* FROM course_access a JOIN communities c ON c.id = a.community_id JOIN courses co ON co.id = a.course_id',
  },
  grants: {
    table: 'enrollment_grants',
    query: `SELECT g.rowid AS k, c.platform, c.external_id AS community_ext, m.external_id AS member_ext, co.number AS course_number, g.*
            FROM enrollment_grants g JOIN communities c ON c.id = g.community_id JOIN members m ON m.id = g.member_id JOIN courses co ON co.id = g.course_id`,
  },
  consoleRoles: {
    table: 'console_roles',
    query: 'SELECT r.rowid AS k, c.platform, c.external_id AS community_ext, r.member_external_id AS member_ext, r.role FROM console_roles r JOIN communities c ON c.id = r.community_id',
  },
  snapshots: {
    table: 'score_snapshots',
    query: 'SELECT s.rowid AS k, c.platform, c.external_id AS community_ext, s.* FROM score_snapshots s JOIN communities c ON c.id = s.community_id',
  },
  history: {
    table: 'daily_snapshots',
    query: 'SELECT h.rowid AS k, c.platform, c.external_id AS community_ext, h.* FROM daily_snapshots h JOIN communities c ON c.id = h.community_id',
  },
  installations: { table: 'installations', query: 'SELECT i.rowid AS k, i.* FROM installations i' },
};

const ALIAS: Record<TransferKind, string> = { communities: 'c', members: 'm', courses: 'co', enrollments: 'e', ratings: 'r', courseAccess: 'a', grants: 'g', consoleRoles: 'r', snapshots: 's', history: 'h', installations: 'i' };

const community = (row: Row) => ({ platform: row.platform as Platform, externalId: row.community_ext as string });
const date = (value: unknown) => new Date(value as number);
const dateOrNull = (value: unknown) => (value === null ? null : new Date(value as number));

/** A row read as the store reads it, its ids swapped for its community's natural key. */
function withoutIds<T extends { id: string; communityId: string }>(row: Row, value: T): Omit<T, 'id' | 'communityId'> & { community: ReturnType<typeof community> } {
  const { id: _id, communityId: _communityId, ...rest } = value;
  return { community: community(row), ...rest };
}

const FROM_ROW: { [K in TransferKind]: (row: Row) => TransferRecords[K] } = {
  communities: (row): CommunityRecord => ({
    platform: row.platform as Platform,
    externalId: row.external_id as string,
    name: row.name as string,
    settings: JSON.parse(row.settings as string) as CommunityRecord['settings'],
    createdAt: date(row.created_at),
    nextCourseNumber: row.next_course_number as number,
    removedAt: dateOrNull(row.removed_at),
  }),
  members: (row): MemberRecord => withoutIds(row, toMember(row as unknown as MemberRow)),
  courses: (row): CourseRecord => withoutIds(row, toCourse(row as unknown as CourseRow)),
  enrollments: (row): EnrollmentRecord => ({ community: community(row), member: row.member_ext as string, course: row.course_number as number, enrolledAt: date(row.enrolled_at) }),
  ratings: (row): RatingRecord => ({
    community: community(row),
    member: row.member_ext as string,
    course: row.course_number as number,
    stars: row.stars as number,
    review: row.review as string | null,
    updatedAt: date(row.updated_at),
  }),
  courseAccess: (row): CourseAccessRecord => ({
    community: community(row),
    course: row.course_number as number,
    roleId: row.role_id as string | null,
    channelId: row.channel_id as string | null,
    channelLeave: row.channel_leave === 1,
    requiredRoleId: row.required_role_id as string | null,
  }),
  grants: (row): GrantRecord => ({
    community: community(row),
    member: row.member_ext as string,
    course: row.course_number as number,
    roleId: row.role_id as string | null,
    state: row.state as GrantRecord['state'],
    lapsed: row.lapsed === 1,
    updatedAt: date(row.updated_at),
  }),
  consoleRoles: (row): ConsoleRoleRecord => ({ community: community(row), member: row.member_ext as string, role: row.role as string }),
  snapshots: (row): SnapshotRecord => ({
    community: community(row),
    takenAt: date(row.taken_at),
    score: row.score as number,
    satisfaction: row.satisfaction as number,
    coverage: row.coverage as number,
    memberCount: row.member_count as number,
    courseCount: row.course_count as number,
  }),
  history: (row): HistoryRecord => ({
    community: community(row),
    day: row.day as string,
    takenAt: date(row.taken_at),
    score: row.score as number,
    satisfaction: row.satisfaction as number,
    coverage: row.coverage as number,
    memberCount: row.member_count as number,
    ratingCount: row.rating_count as number,
    enrollmentCount: row.enrollment_count as number,
    activeCourseCount: row.active_course_count as number,
    courses: JSON.parse(row.courses as string) as HistoryRecord['courses'],
  }),
  installations: (row) => toInstallation(row as unknown as InstallationRow),
};

/** The community a record belongs to, as a sub-select's WHERE. */
const IN_COMMUNITY = 'FROM communities c WHERE c.platform = @platform AND c.external_id = @community';

/**
 * The upserts, keyed by each table's natural unique key. INSERT … SELECT resolves the natural
 * keys to this store's ids; a missing parent selects no row, so nothing is written.
 */
const WRITE: { [K in TransferKind]: { sql: string; params: (record: TransferRecords[K]) => Row } } = {
  communities: {
    sql: `INSERT INTO communities (platform, external_id, name, settings, next_course_number, created_at, removed_at)
          VALUES (@platform, @externalId, @name, @settings, @next, @createdAt, @removedAt)
          ON CONFLICT (platform, external_id) DO UPDATE SET name = excluded.name, settings = excluded.settings, created_at = excluded.created_at,
            removed_at = excluded.removed_at, next_course_number = max(next_course_number, excluded.next_course_number)`,
    params: (r) => ({
      platform: r.platform,
      externalId: r.externalId,
      name: r.name,
      settings: JSON.stringify(r.settings),
      next: r.nextCourseNumber,
      createdAt: r.createdAt.getTime(),
      removedAt: r.removedAt?.getTime() ?? null,
    }),
  },
  members: {
    sql: `INSERT INTO members (community_id, external_id, display_name, reminders_enabled, joined_at)
          SELECT c.id, @externalId, @displayName, @reminders, @joinedAt ${IN_COMMUNITY}
          ON CONFLICT (community_id, external_id) DO UPDATE SET display_name = excluded.display_name, reminders_enabled = excluded.reminders_enabled, joined_at = excluded.joined_at`,
    params: (r) => ({ ...ref(r.community), externalId: r.externalId, displayName: r.displayName, reminders: r.remindersEnabled ? 1 : 0, joinedAt: r.joinedAt.getTime() }),
  },
  courses: {
    sql: `INSERT INTO courses (community_id, number, title, title_fold, search_text, description, url, tags, value, starts_at, archived, created_at, rating_count, rating_sum, enrolled_count)
          SELECT c.id, @number, @title, @titleFold, @searchText, @description, @url, @tags, @value, @startsAt, @archived, @createdAt, @ratingCount, @ratingSum, @enrolledCount ${IN_COMMUNITY}
          ON CONFLICT (community_id, number) DO UPDATE SET title = excluded.title, title_fold = excluded.title_fold, search_text = excluded.search_text,
            description = excluded.description, url = excluded.url, tags = excluded.tags, value = excluded.value, starts_at = excluded.starts_at,
            archived = excluded.archived, created_at = excluded.created_at, rating_count = excluded.rating_count, rating_sum = excluded.rating_sum,
            enrolled_count = excluded.enrolled_count`,
    params: (r) => ({
      ...ref(r.community),
      number: r.number,
      title: r.title,
      titleFold: foldText(r.title),
      searchText: searchText(r.title, r.description, r.tags),
      description: r.description,
      url: r.url,
      tags: JSON.stringify(r.tags),
      value: r.value,
      startsAt: r.startsAt?.getTime() ?? null,
      archived: r.archived ? 1 : 0,
      createdAt: r.createdAt.getTime(),
      ratingCount: r.ratingCount,
      ratingSum: r.ratingSum,
      enrolledCount: r.enrolledCount,
    }),
  },
  enrollments: {
    sql: `INSERT INTO enrollments (community_id, member_id, course_id, enrolled_at)
          SELECT c.id, m.id, co.id, @enrolledAt FROM communities c
            JOIN members m ON m.community_id = c.id AND m.external_id = @member
            JOIN courses co ON co.community_id = c.id AND co.number = @course
          WHERE c.platform = @platform AND c.external_id = @community
          ON CONFLICT (community_id, member_id, course_id) DO UPDATE SET enrolled_at = excluded.enrolled_at`,
    params: (r) => ({ ...ref(r.community), member: r.member, course: r.course, enrolledAt: r.enrolledAt.getTime() }),
  },
  ratings: {
    sql: `INSERT INTO ratings (community_id, member_id, course_id, stars, review, updated_at)
          SELECT c.id, m.id, co.id, @stars, @review, @updatedAt FROM communities c
            JOIN members m ON m.community_id = c.id AND m.external_id = @member
            JOIN courses co ON co.community_id = c.id AND co.number = @course
          WHERE c.platform = @platform AND c.external_id = @community
          ON CONFLICT (community_id, member_id, course_id) DO UPDATE SET stars = excluded.stars, review = excluded.review, updated_at = excluded.updated_at`,
    params: (r) => ({ ...ref(r.community), member: r.member, course: r.course, stars: r.stars, review: r.review, updatedAt: r.updatedAt.getTime() }),
  },
  courseAccess: {
    sql: `INSERT INTO course_access (community_id, course_id, role_id, channel_id, channel_leave, required_role_id)
          SELECT c.id, co.id, @roleId, @channelId, @channelLeave, @requiredRoleId FROM communities c
            JOIN courses co ON co.community_id = c.id AND co.number = @course
          WHERE c.platform = @platform AND c.external_id = @community
          ON CONFLICT (community_id, course_id) DO UPDATE SET role_id = excluded.role_id, channel_id = excluded.channel_id,
            channel_leave = excluded.channel_leave, required_role_id = excluded.required_role_id`,
    params: (r) => ({ ...ref(r.community), course: r.course, roleId: r.roleId, channelId: r.channelId, channelLeave: r.channelLeave ? 1 : 0, requiredRoleId: r.requiredRoleId }),
  },
  grants: {
    sql: `INSERT INTO enrollment_grants (community_id, member_id, course_id, role_id, state, lapsed, updated_at)
          SELECT c.id, m.id, co.id, @roleId, @state, @lapsed, @updatedAt FROM communities c
            JOIN members m ON m.community_id = c.id AND m.external_id = @member
            JOIN courses co ON co.community_id = c.id AND co.number = @course
          WHERE c.platform = @platform AND c.external_id = @community
          ON CONFLICT (community_id, course_id, member_id) DO UPDATE SET role_id = excluded.role_id, state = excluded.state,
            lapsed = excluded.lapsed, updated_at = excluded.updated_at`,
    params: (r) => ({ ...ref(r.community), member: r.member, course: r.course, roleId: r.roleId, state: r.state, lapsed: r.lapsed ? 1 : 0, updatedAt: r.updatedAt.getTime() }),
  },
  consoleRoles: {
    sql: `INSERT INTO console_roles (community_id, member_external_id, role) SELECT c.id, @member, @role ${IN_COMMUNITY}
          ON CONFLICT (community_id, member_external_id, role) DO NOTHING`,
    params: (r) => ({ ...ref(r.community), member: r.member, role: r.role }),
  },
  snapshots: {
    // No unique key in the schema: a snapshot is the same one when its community and instant are.
    sql: `INSERT INTO score_snapshots (community_id, taken_at, score, satisfaction, coverage, member_count, course_count)
          SELECT c.id, @takenAt, @score, @satisfaction, @coverage, @memberCount, @courseCount ${IN_COMMUNITY}
            AND NOT EXISTS (SELECT 1 FROM score_snapshots s WHERE s.community_id = c.id AND s.taken_at = @takenAt)`,
    params: (r) => ({
      ...ref(r.community),
      takenAt: r.takenAt.getTime(),
      score: r.score,
      satisfaction: r.satisfaction,
      coverage: r.coverage,
      memberCount: r.memberCount,
      courseCount: r.courseCount,
    }),
  },
  history: {
    sql: `INSERT INTO daily_snapshots (community_id, day, taken_at, score, satisfaction, coverage, member_count, rating_count, enrollment_count, active_course_count, courses)
          SELECT c.id, @day, @takenAt, @score, @satisfaction, @coverage, @memberCount, @ratingCount, @enrollmentCount, @activeCourseCount, @courses ${IN_COMMUNITY}
          ON CONFLICT (community_id, day) DO UPDATE SET taken_at = excluded.taken_at, score = excluded.score, satisfaction = excluded.satisfaction,
            coverage = excluded.coverage, member_count = excluded.member_count, rating_count = excluded.rating_count,
            enrollment_count = excluded.enrollment_count, active_course_count = excluded.active_course_count, courses = excluded.courses`,
    // `courses` arrives with this store's course ids already (see SqliteTransfer.import).
    params: (r) => ({
      ...ref(r.community),
      day: r.day,
      takenAt: r.takenAt.getTime(),
      score: r.score,
      satisfaction: r.satisfaction,
      coverage: r.coverage,
      memberCount: r.memberCount,
      ratingCount: r.ratingCount,
      enrollmentCount: r.enrollmentCount,
      activeCourseCount: r.activeCourseCount,
      courses: JSON.stringify(r.courses),
    }),
  },
  installations: {
    sql: `INSERT INTO installations (platform, external_id, sealed, name, bot_user_id, scopes, installed_at)
          VALUES (@platform, @externalId, @sealed, @name, @botUserId, @scopes, @installedAt)
          ON CONFLICT (platform, external_id) DO UPDATE SET sealed = excluded.sealed, name = excluded.name, bot_user_id = excluded.bot_user_id,
            scopes = excluded.scopes, installed_at = excluded.installed_at`,
    params: (r) => ({
      platform: r.platform,
      externalId: r.externalId,
      sealed: Buffer.from(r.sealed),
      name: r.name,
      botUserId: r.botUserId,
      scopes: JSON.stringify(r.scopes),
      installedAt: r.installedAt.getTime(),
    }),
  },
};

function ref(c: { platform: string; externalId: string }): Row {
  return { platform: c.platform, community: c.externalId };
}

/**
 * Tables migrate leaves behind, and why. The delivery log's keys name this store's own row ids
 * (`reminder-<community id>-<member id>-…`), which mean nothing in another store; the target
 * deployment starts with a fresh JOBS_PREFIX and re-creates what is ahead from its store.
 */
export const NOT_TRANSFERRED: Record<string, string> = {
  deliveries: 'keys are store ids of the source',
};

/** The columns each table's transfer reads and writes: a test compares them with the schema. */
export const TRANSFERRED_COLUMNS: Record<string, readonly string[]> = {
  communities: ['id', 'platform', 'external_id', 'name', 'settings', 'next_course_number', 'created_at', 'removed_at'],
  members: ['id', 'community_id', 'external_id', 'display_name', 'reminders_enabled', 'joined_at'],
  courses: [
    'id', 'community_id', 'number', 'title', 'title_fold', 'search_text', 'description', 'url', 'tags', 'value', 'starts_at', 'archived', 'created_at',
    'rating_count', 'rating_sum', 'enrolled_count',
  ],
  enrollments: ['community_id', 'member_id', 'course_id', 'enrolled_at'],
  ratings: ['community_id', 'member_id', 'course_id', 'stars', 'review', 'updated_at'],
  score_snapshots: ['community_id', 'taken_at', 'score', 'satisfaction', 'coverage', 'member_count', 'course_count'],
  installations: ['platform', 'external_id', 'sealed', 'name', 'bot_user_id', 'scopes', 'installed_at'],
  course_access: ['community_id', 'course_id', 'role_id', 'channel_id', 'channel_leave', 'required_role_id'],
  enrollment_grants: ['community_id', 'member_id', 'course_id', 'role_id', 'state', 'lapsed', 'updated_at'],
  console_roles: ['community_id', 'member_external_id', 'role'],
  daily_snapshots: [
    'community_id', 'day', 'taken_at', 'score', 'satisfaction', 'coverage', 'member_count', 'rating_count', 'enrollment_count', 'active_course_count', 'courses',
  ],
};

export class SqliteTransfer implements StoreTransfer {
  constructor(
    private readonly db: Db,
    readonly description: string,
  ) {}

  count(kind: TransferKind): Promise<number> {
    return Promise.resolve(this.db.prepare(`SELECT count(*) FROM ${READ[kind].table}`).pluck().get() as number);
  }

  async *dump<K extends TransferKind>(kind: K, batchSize: number): AsyncIterable<TransferRecords[K][]> {
    const statement = this.db.prepare(`${READ[kind].query} WHERE ${ALIAS[kind]}.rowid > ? ORDER BY ${ALIAS[kind]}.rowid LIMIT ?`);
    const toRecord = FROM_ROW[kind] as (row: Row) => TransferRecords[K];
    let after = 0;
    for (;;) {
      const rows = statement.all(after, batchSize) as Row[];
      if (rows.length === 0) return;
      after = rows.at(-1)!.k as number;
      yield rows.map(toRecord);
      if (rows.length < batchSize) return;
    }
  }

  import<K extends TransferKind>(kind: K, given: readonly TransferRecords[K][]): Promise<number> {
    const records = kind === 'history' ? (this.withOwnCourseIds(given as readonly HistoryRecord[]) as unknown as readonly TransferRecords[K][]) : given;
    const { sql, params } = WRITE[kind] as { sql: string; params: (record: TransferRecords[K]) => Row };
    const statement = this.db.prepare(sql);
    return Promise.resolve(this.db.transaction(() => records.reduce((written, record) => written + statement.run(params(record)).changes, 0)).immediate());
  }

  /** History names courses by the source's ids: each becomes this store's course of the same number. */
  private withOwnCourseIds(records: readonly HistoryRecord[]): HistoryRecord[] {
    const ids = new Map<string, Map<number, string>>();
    const lookup = this.db.prepare('SELECT co.number, co.id FROM courses co JOIN communities c ON c.id = co.community_id WHERE c.platform = ? AND c.external_id = ?');
    return records.map((r) => {
      const key = `${r.community.platform}\u0000${r.community.externalId}`;
      let numbers = ids.get(key);
      if (!numbers) {
        numbers = new Map((lookup.all(r.community.platform, r.community.externalId) as { number: number; id: number }[]).map((c) => [c.number, String(c.id)]));
        ids.set(key, numbers);
      }
      return { ...r, courses: r.courses.map((c) => ({ ...c, courseId: numbers.get(c.number) ?? c.courseId })) };
    });
  }
}
