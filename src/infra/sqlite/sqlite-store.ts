import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { Community, CommunityRef, CommunitySettings, Course, Enrollment, Member, ScoreSnapshot, StarHistogram } from '../../domain/model.ts';
import { StorageUnavailableError } from '../../domain/errors.ts';
import type {
  CourseAggregateRepair,
  CoursePage,
  CoursePatch,
  CourseQuery,
  EnrollmentQuery,
  EnrollOutcome,
  Installation,
  InstallationRef,
  MemberCourse,
  NewCourse,
  RateOutcome,
  Store,
  UnenrollOutcome,
} from '../../ports/store.ts';
import { foldText, searchText } from '../text-fold.ts';
import { migrate } from './migrations.ts';
import { markInUse } from './in-use.ts';
import { COURSE_COLUMNS, toCommunity, toCourse, toInstallation, toMember, type CommunityRow, type CourseRow, type InstallationRow, type MemberRow } from './rows.ts';
import * as privacy from './privacy.ts';
import { SqliteTransfer } from './transfer.ts';
import type { ErasedMember, MemberData, PurgedCommunity } from '../../ports/store/privacy.ts';
import type { OnlineBackup } from '../../ports/store/transfer.ts';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for throwaway stores in unit tests. */
  path: string;
  /**
   * Marks the file as used by this process (`syllabot start`, `worker`, `console`) until it is
   * closed, so `syllabot restore` refuses to replace it meanwhile.
   */
  markInUseAs?: string;
}

/** Errors that mean "the file is busy or unreadable right now", not a bug. */
const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL|READONLY)/;

/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so each
 * method runs to completion without interleaving; writes that touch two tables run in one
 * immediate transaction so a crash leaves either both or neither.
 */
export class SqliteStore implements Store, OnlineBackup {
  readonly kind = 'sqlite' as const;
  private readonly db: Db;
  private readonly statements = new Map<string, Statement>();

  private constructor(
    db: Db,
    private readonly releaseInUse: () => void = () => undefined,
  ) {
    this.db = db;
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    const db = new Database(options.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    return new SqliteStore(db, options.markInUseAs && options.path !== ':memory:' ? markInUse(options.path, options.markInUseAs) : undefined);
  }

  /** The underlying handle, for integrity checks in tests and benchmarks only. */
  get database(): Db {
    return this.db;
  }

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
      if (error instanceof Error && 'code' in error && UNAVAILABLE.test(String(error.code))) {
        return Promise.reject(new StorageUnavailableError(error));
      }
      return Promise.reject(error);
    }
  }

  findCommunity(ref: CommunityRef): Promise<Community | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM communities WHERE platform = ? AND external_id = ?').get(ref.platform, ref.externalId) as CommunityRow | undefined;
      return row ? toCommunity(row) : null;
    });
  }

  upsertCommunity(ref: CommunityRef, name: string): Promise<Community> {
    return this.guard(() => {
      const row = this.sql(
        `INSERT INTO communities (platform, external_id, name, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (platform, external_id) DO UPDATE SET name = excluded.name
         RETURNING *`,
      ).get(ref.platform, ref.externalId, name, Date.now()) as CommunityRow;
      return toCommunity(row);
    });
  }

  getCommunity(communityId: string): Promise<Community | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM communities WHERE id = ?').get(Number(communityId)) as CommunityRow | undefined;
      return row ? toCommunity(row) : null;
    });
  }

  updateCommunitySettings(communityId: string, patch: Partial<CommunitySettings>): Promise<Community> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const row = this.sql('SELECT * FROM communities WHERE id = ?').get(Number(communityId)) as CommunityRow | undefined;
          if (!row) throw new Error(`community ${communityId} does not exist`);
          const settings = { ...(JSON.parse(row.settings) as CommunitySettings), ...patch };
          for (const key of Object.keys(settings) as (keyof CommunitySettings)[]) {
            if (settings[key] === undefined) delete settings[key];
          }
          const updated = this.sql('UPDATE communities SET settings = ? WHERE id = ? RETURNING *').get(JSON.stringify(settings), row.id) as CommunityRow;
          return toCommunity(updated);
        })
        .immediate(),
    );
  }

  listCommunities(): Promise<Community[]> {
    return this.guard(() => (this.sql('SELECT * FROM communities ORDER BY id').all() as CommunityRow[]).map(toCommunity));
  }

  upsertMember(communityId: string, externalId: string, displayName: string): Promise<Member> {
    return this.guard(() => {
      const existing = this.sql('SELECT * FROM members WHERE community_id = ? AND external_id = ?').get(Number(communityId), externalId) as MemberRow | undefined;
      // Reads are the common case: only write when the member is new or renamed.
      if (existing && existing.display_name === displayName) return toMember(existing);
      const row = this.sql(
        `INSERT INTO members (community_id, external_id, display_name, joined_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (community_id, external_id) DO UPDATE SET display_name = excluded.display_name
         RETURNING *`,
      ).get(Number(communityId), externalId, displayName, Date.now()) as MemberRow;
      return toMember(row);
    });
  }

  getMember(communityId: string, memberId: string): Promise<Member | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM members WHERE community_id = ? AND id = ?').get(Number(communityId), Number(memberId)) as MemberRow | undefined;
      return row ? toMember(row) : null;
    });
  }

  findMember(communityId: string, externalId: string): Promise<Member | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM members WHERE community_id = ? AND external_id = ?').get(Number(communityId), externalId) as MemberRow | undefined;
      return row ? toMember(row) : null;
    });
  }

  forgetMemberIfUnused(communityId: string, memberId: string): Promise<boolean> {
    return this.guard(() => {
      const removed = this.sql(
        `DELETE FROM members WHERE community_id = :community AND id = :member
           AND NOT EXISTS (SELECT 1 FROM enrollments WHERE community_id = :community AND member_id = :member)
           AND NOT EXISTS (SELECT 1 FROM ratings WHERE community_id = :community AND member_id = :member)`,
      ).run({ community: Number(communityId), member: Number(memberId) });
      return removed.changes > 0;
    });
  }

  forgetCommunityIfEmpty(communityId: string): Promise<boolean> {
    return this.guard(() => {
      const removed = this.sql(
        `DELETE FROM communities WHERE id = :community AND settings = '{}'
           AND NOT EXISTS (SELECT 1 FROM members WHERE community_id = :community)
           AND NOT EXISTS (SELECT 1 FROM courses WHERE community_id = :community)
           AND NOT EXISTS (SELECT 1 FROM score_snapshots WHERE community_id = :community)`,
      ).run({ community: Number(communityId) });
      return removed.changes > 0;
    });
  }

  setRemindersEnabled(communityId: string, memberId: string, enabled: boolean): Promise<void> {
    return this.guard(() => {
      this.sql('UPDATE members SET reminders_enabled = ? WHERE community_id = ? AND id = ?').run(enabled ? 1 : 0, Number(communityId), Number(memberId));
    });
  }

  countMembers(communityId: string): Promise<number> {
    return this.guard(() => this.sql('SELECT count(*) FROM members WHERE community_id = ?').pluck().get(Number(communityId)) as number);
  }

  createCourse(communityId: string, course: NewCourse): Promise<Course> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const number = this.sql('UPDATE communities SET next_course_number = next_course_number + 1 WHERE id = ? RETURNING next_course_number - 1')
            .pluck()
            .get(Number(communityId)) as number | undefined;
          if (number === undefined) throw new Error(`community ${communityId} does not exist`);
          const row = this.sql(
            `INSERT INTO courses (community_id, number, title, title_fold, search_text, description, url, tags, value, starts_at, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COURSE_COLUMNS}`,
          ).get(
            Number(communityId),
            number,
            course.title,
            foldText(course.title),
            searchText(course.title, course.description, course.tags),
            course.description,
            course.url,
            JSON.stringify(course.tags),
            course.value,
            course.startsAt?.getTime() ?? null,
            Date.now(),
          ) as CourseRow;
          return toCourse(row);
        })
        .immediate(),
    );
  }

  updateCourse(communityId: string, courseId: string, patch: CoursePatch): Promise<Course> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const current = this.courseRow(communityId, courseId);
          const next = {
            title: patch.title ?? current.title,
            description: patch.description ?? current.description,
            url: patch.url === undefined ? current.url : patch.url,
            tags: patch.tags ?? (JSON.parse(current.tags) as string[]),
            value: patch.value ?? current.value,
            startsAt: patch.startsAt === undefined ? current.starts_at : (patch.startsAt?.getTime() ?? null),
          };
          const row = this.sql(
            `UPDATE courses SET title = ?, title_fold = ?, search_text = ?, description = ?, url = ?, tags = ?, value = ?, starts_at = ?
             WHERE community_id = ? AND id = ? RETURNING ${COURSE_COLUMNS}`,
          ).get(
            next.title,
            foldText(next.title),
            searchText(next.title, next.description, next.tags),
            next.description,
            next.url,
            JSON.stringify(next.tags),
            next.value,
            next.startsAt,
            Number(communityId),
            Number(courseId),
          ) as CourseRow;
          return toCourse(row);
        })
        .immediate(),
    );
  }

  setCourseArchived(communityId: string, courseId: string, archived: boolean): Promise<Course> {
    return this.guard(() => {
      const row = this.sql(`UPDATE courses SET archived = ? WHERE community_id = ? AND id = ? RETURNING ${COURSE_COLUMNS}`).get(
        archived ? 1 : 0,
        Number(communityId),
        Number(courseId),
      ) as CourseRow | undefined;
      if (!row) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
      return toCourse(row);
    });
  }

  private courseRow(communityId: string, courseId: string): CourseRow {
    const row = this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE community_id = ? AND id = ?`).get(Number(communityId), Number(courseId)) as CourseRow | undefined;
    if (!row) throw new Error(`course ${courseId} does not exist in community ${communityId}`);
    return row;
  }

  getCourseByNumber(communityId: string, number: number): Promise<Course | null> {
    return this.guard(() => {
      const row = this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE community_id = ? AND number = ?`).get(Number(communityId), number) as CourseRow | undefined;
      return row ? toCourse(row) : null;
    });
  }

  getCourse(communityId: string, courseId: string): Promise<Course | null> {
    return this.guard(() => {
      const row = this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE community_id = ? AND id = ?`).get(Number(communityId), Number(courseId)) as CourseRow | undefined;
      return row ? toCourse(row) : null;
    });
  }

  findCoursesByTitlePrefix(communityId: string, prefix: string, limit: number, includeArchived = false): Promise<Course[]> {
    return this.guard(() => {
      const folded = foldText(prefix);
      // A range on the folded title uses the index; U+10FFFF sorts after every other character.
      const rows = this.sql(
        `SELECT ${COURSE_COLUMNS} FROM courses
         WHERE community_id = ? AND title_fold >= ? AND title_fold < ? AND (? OR archived = 0)
         ORDER BY title_fold, number LIMIT ?`,
      ).all(Number(communityId), folded, `${folded}\u{10FFFF}`, includeArchived ? 1 : 0, limit) as CourseRow[];
      return rows.map(toCourse);
    });
  }

  listCourses(communityId: string, query: CourseQuery): Promise<CoursePage> {
    return this.guard(() => {
      const where = ['community_id = :community'];
      const params: Record<string, unknown> = { community: Number(communityId), limit: query.limit, offset: query.offset };
      if (!query.includeArchived) where.push('archived = 0');
      if (query.text) {
        where.push('instr(search_text, :text) > 0');
        params.text = foldText(query.text);
      }
      let order = 'number ASC';
      if (query.sort === 'new') order = 'created_at DESC, number DESC';
      if (query.sort === 'top') {
        params.mean = query.prior?.mean ?? 0;
        params.weight = query.prior?.weight ?? 0;
        order = `(rating_count = 0) ASC,
                 (rating_sum + :weight * :mean) / (rating_count + :weight + 0.0) DESC,
                 rating_count DESC, number ASC`;
      }
      const filter = where.join(' AND ');
      const total = this.sql(`SELECT count(*) FROM courses WHERE ${filter}`).pluck().get(withoutPaging(params)) as number;
      const rows = this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE ${filter} ORDER BY ${order} LIMIT :limit OFFSET :offset`).all(
        query.sort === 'top' ? params : withoutKeys(params, ['mean', 'weight']),
      ) as CourseRow[];
      return { items: rows.map(toCourse), total };
    });
  }

  listActiveCourses(communityId: string): Promise<Course[]> {
    return this.guard(() =>
      (this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE community_id = ? AND archived = 0 ORDER BY number`).all(Number(communityId)) as CourseRow[]).map(toCourse),
    );
  }

  activeRatingTotals(communityId: string): Promise<{ ratingCount: number; ratingSum: number }> {
    return this.guard(
      () =>
        this.sql('SELECT total(rating_count) AS ratingCount, total(rating_sum) AS ratingSum FROM courses WHERE community_id = ? AND archived = 0').get(Number(communityId)) as {
          ratingCount: number;
          ratingSum: number;
        },
    );
  }

  enroll(communityId: string, memberId: string, courseId: string, at: Date): Promise<EnrollOutcome> {
    return this.guard(() =>
      this.db
        .transaction((): EnrollOutcome => {
          const inserted = this.sql('INSERT OR IGNORE INTO enrollments (community_id, member_id, course_id, enrolled_at) VALUES (?, ?, ?, ?)').run(
            Number(communityId),
            Number(memberId),
            Number(courseId),
            at.getTime(),
          );
          if (inserted.changes === 0) return 'already-enrolled';
          this.sql('UPDATE courses SET enrolled_count = enrolled_count + 1 WHERE community_id = ? AND id = ?').run(Number(communityId), Number(courseId));
          return 'enrolled';
        })
        .immediate(),
    );
  }

  unenroll(communityId: string, memberId: string, courseId: string): Promise<UnenrollOutcome> {
    return this.guard(() =>
      this.db
        .transaction((): UnenrollOutcome => {
          const removed = this.sql('DELETE FROM enrollments WHERE community_id = ? AND member_id = ? AND course_id = ?').run(
            Number(communityId),
            Number(memberId),
            Number(courseId),
          );
          if (removed.changes === 0) return 'not-enrolled';
          this.sql('UPDATE courses SET enrolled_count = enrolled_count - 1 WHERE community_id = ? AND id = ?').run(Number(communityId), Number(courseId));
          return 'unenrolled';
        })
        .immediate(),
    );
  }

  isEnrolled(communityId: string, memberId: string, courseId: string): Promise<boolean> {
    return this.guard(
      () => this.sql('SELECT 1 FROM enrollments WHERE community_id = ? AND member_id = ? AND course_id = ?').get(Number(communityId), Number(memberId), Number(courseId)) !== undefined,
    );
  }

  listMemberCourses(communityId: string, memberId: string): Promise<MemberCourse[]> {
    return this.guard(() => {
      const rows = this.sql(
        `SELECT ${COURSE_COLUMNS.split(', ').map((c) => `c.${c}`).join(', ')}, e.enrolled_at, r.stars, r.review, r.updated_at
         FROM enrollments e JOIN courses c ON c.id = e.course_id AND c.community_id = e.community_id
         LEFT JOIN ratings r ON r.community_id = e.community_id AND r.member_id = e.member_id AND r.course_id = e.course_id
         WHERE e.community_id = ? AND e.member_id = ? ORDER BY c.number`,
      ).all(Number(communityId), Number(memberId)) as (CourseRow & { enrolled_at: number; stars: number | null; review: string | null; updated_at: number | null })[];
      return rows.map((row) => ({
        course: toCourse(row),
        enrolledAt: new Date(row.enrolled_at),
        rating: row.stars === null ? null : { stars: row.stars, review: row.review, updatedAt: new Date(row.updated_at ?? 0) },
      }));
    });
  }

  listEnrolledMemberIds(communityId: string, courseId: string): Promise<string[]> {
    return this.guard(() =>
      (this.sql('SELECT member_id FROM enrollments WHERE community_id = ? AND course_id = ? ORDER BY member_id').pluck().all(Number(communityId), Number(courseId)) as number[]).map(String),
    );
  }

  listEnrollments(communityId: string, query: EnrollmentQuery): Promise<Enrollment[]> {
    return this.guard(() => {
      const rows = this.sql(
        `SELECT community_id, member_id, course_id, enrolled_at FROM enrollments
         WHERE community_id = :community AND (:course IS NULL OR course_id = :course) AND (:since IS NULL OR enrolled_at >= :since)
         ORDER BY enrolled_at, member_id, course_id`,
      ).all({
        community: Number(communityId),
        course: query.courseId === undefined ? null : Number(query.courseId),
        since: query.enrolledSince?.getTime() ?? null,
      }) as { community_id: number; member_id: number; course_id: number; enrolled_at: number }[];
      return rows.map((row) => ({
        communityId: String(row.community_id),
        memberId: String(row.member_id),
        courseId: String(row.course_id),
        enrolledAt: new Date(row.enrolled_at),
      }));
    });
  }

  rate(communityId: string, memberId: string, courseId: string, stars: number, review: string | null, at: Date): Promise<RateOutcome> {
    return this.guard(() =>
      this.db
        .transaction((): RateOutcome => {
          const key = [Number(communityId), Number(memberId), Number(courseId)] as const;
          const previous = this.sql('SELECT stars FROM ratings WHERE community_id = ? AND member_id = ? AND course_id = ?').pluck().get(...key) as number | undefined;
          this.sql(
            `INSERT INTO ratings (community_id, member_id, course_id, stars, review, updated_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (community_id, member_id, course_id) DO UPDATE SET stars = excluded.stars, review = excluded.review, updated_at = excluded.updated_at`,
          ).run(...key, stars, review, at.getTime());
          const row = this.sql(
            `UPDATE courses SET rating_count = rating_count + ?, rating_sum = rating_sum + ? WHERE community_id = ? AND id = ? RETURNING ${COURSE_COLUMNS}`,
          ).get(previous === undefined ? 1 : 0, stars - (previous ?? 0), key[0], key[2]) as CourseRow;
          return { previous: previous ?? null, course: toCourse(row) };
        })
        .immediate(),
    );
  }

  starHistogram(communityId: string, courseId: string): Promise<StarHistogram> {
    return this.guard(() => {
      const histogram: StarHistogram = [0, 0, 0, 0, 0];
      const rows = this.sql('SELECT stars, count(*) AS n FROM ratings WHERE community_id = ? AND course_id = ? GROUP BY stars').all(Number(communityId), Number(courseId)) as {
        stars: number;
        n: number;
      }[];
      for (const row of rows) histogram[row.stars - 1] = row.n;
      return histogram;
    });
  }

  recomputeAggregates(communityId: string): Promise<CourseAggregateRepair[]> {
    return this.guard(() => {
      // Counting runs outside the write lock (a WAL reader sees one consistent snapshot), so
      // /enroll and /rate never wait for a recompute; only the repairs take the lock.
      const rows = this.sql(
        `SELECT c.id, c.rating_count, c.rating_sum, c.enrolled_count,
           coalesce(r.n, 0) AS true_count, coalesce(r.total, 0) AS true_sum, coalesce(e.n, 0) AS true_enrolled
         FROM courses c
         LEFT JOIN (SELECT course_id, count(*) AS n, sum(stars) AS total FROM ratings WHERE community_id = :community GROUP BY course_id) r ON r.course_id = c.id
         LEFT JOIN (SELECT course_id, count(*) AS n FROM enrollments WHERE community_id = :community GROUP BY course_id) e ON e.course_id = c.id
         WHERE c.community_id = :community`,
      ).all({ community: Number(communityId) }) as {
        id: number;
        rating_count: number;
        rating_sum: number;
        enrolled_count: number;
        true_count: number;
        true_sum: number;
        true_enrolled: number;
      }[];
      const drifted = rows.filter((row) => row.rating_count !== row.true_count || row.rating_sum !== row.true_sum || row.enrolled_count !== row.true_enrolled);
      if (drifted.length === 0) return [];
      // Compare-and-set: a course a command changed since the count keeps its (newer) figures;
      // the next recompute looks at it again.
      const fix = this.sql(
        `UPDATE courses SET rating_count = ?, rating_sum = ?, enrolled_count = ?
         WHERE id = ? AND rating_count = ? AND rating_sum = ? AND enrolled_count = ?`,
      );
      return this.db
        .transaction(() => {
          const repairs: CourseAggregateRepair[] = [];
          for (const row of drifted) {
            const applied = fix.run(row.true_count, row.true_sum, row.true_enrolled, row.id, row.rating_count, row.rating_sum, row.enrolled_count);
            if (applied.changes === 0) continue;
            repairs.push({
              courseId: String(row.id),
              before: { ratingCount: row.rating_count, ratingSum: row.rating_sum, enrolledCount: row.enrolled_count },
              after: { ratingCount: row.true_count, ratingSum: row.true_sum, enrolledCount: row.true_enrolled },
            });
          }
          return repairs;
        })
        .immediate();
    });
  }

  saveScoreSnapshot(s: ScoreSnapshot): Promise<void> {
    return this.guard(() => {
      this.sql(
        'INSERT INTO score_snapshots (community_id, taken_at, score, satisfaction, coverage, member_count, course_count) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ).run(Number(s.communityId), s.takenAt.getTime(), s.score, s.satisfaction, s.coverage, s.memberCount, s.courseCount);
    });
  }

  listScoreSnapshots(communityId: string, limit: number): Promise<ScoreSnapshot[]> {
    return this.guard(() => {
      const rows = this.sql('SELECT * FROM score_snapshots WHERE community_id = ? ORDER BY taken_at DESC, rowid DESC LIMIT ?').all(Number(communityId), limit) as {
        community_id: number;
        taken_at: number;
        score: number;
        satisfaction: number;
        coverage: number;
        member_count: number;
        course_count: number;
      }[];
      return rows.map((r) => ({
        communityId: String(r.community_id),
        takenAt: new Date(r.taken_at),
        score: r.score,
        satisfaction: r.satisfaction,
        coverage: r.coverage,
        memberCount: r.member_count,
        courseCount: r.course_count,
      }));
    });
  }

  saveInstallation(i: Installation): Promise<void> {
    return this.guard(() => {
      this.sql(
        `INSERT INTO installations (platform, external_id, sealed, name, bot_user_id, scopes, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (platform, external_id) DO UPDATE SET
           sealed = excluded.sealed, name = excluded.name, bot_user_id = excluded.bot_user_id, scopes = excluded.scopes, installed_at = excluded.installed_at`,
      ).run(i.platform, i.externalId, Buffer.from(i.sealed), i.name, i.botUserId, JSON.stringify(i.scopes), i.installedAt.getTime());
    });
  }

  findInstallation(ref: InstallationRef): Promise<Installation | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM installations WHERE platform = ? AND external_id = ?').get(ref.platform, ref.externalId) as InstallationRow | undefined;
      return row ? toInstallation(row) : null;
    });
  }

  deleteInstallation(ref: InstallationRef): Promise<boolean> {
    return this.guard(() => this.sql('DELETE FROM installations WHERE platform = ? AND external_id = ?').run(ref.platform, ref.externalId).changes > 0);
  }

  memberData(communityId: string, memberId: string): Promise<MemberData> {
    return this.guard(() => privacy.memberData(this.db, communityId, memberId));
  }

  eraseMember(communityId: string, memberId: string): Promise<ErasedMember> {
    return this.guard(() => privacy.eraseMember(this.db, communityId, memberId));
  }

  findMembersByName(communityId: string, name: string, limit: number): Promise<Member[]> {
    return this.guard(() => privacy.findMembersByName(this.db, communityId, name, limit));
  }

  markCommunityRemoved(ref: CommunityRef, at: Date | null): Promise<boolean> {
    return this.guard(() => privacy.markCommunityRemoved(this.db, ref, at));
  }

  listCommunitiesRemovedBefore(before: Date): Promise<Community[]> {
    return this.guard(() => privacy.listCommunitiesRemovedBefore(this.db, before));
  }

  purgeCommunity(communityId: string): Promise<PurgedCommunity> {
    return this.guard(() => privacy.purgeCommunity(this.db, communityId));
  }

  /** Bulk export and import for `syllabot migrate`. */
  transfer(): SqliteTransfer {
    return new SqliteTransfer(this.db, `sqlite:${this.db.name}`);
  }

  /**
   * SQLite's online backup: pages are copied in steps while other connections keep writing;
   * pages written meanwhile are copied again, so the file is one consistent state.
   */
  async backupTo(file: string, progress?: (done: number, total: number) => void): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    await this.db.backup(file, {
      progress: ({ totalPages, remainingPages }) => {
        progress?.(totalPages - remainingPages, totalPages);
        return 256;
      },
    });
  }

  ping(): Promise<void> {
    return this.guard(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
    this.releaseInUse();
  }
}

function withoutKeys(params: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !keys.includes(k)));
}

function withoutPaging(params: Record<string, unknown>): Record<string, unknown> {
  return withoutKeys(params, ['limit', 'offset', 'mean', 'weight']);
}

