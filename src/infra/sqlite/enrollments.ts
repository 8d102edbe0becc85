import type { Enrollment, StarHistogram } from '../../domain/model.ts';
import type { EnrollmentContext, EnrollmentContextStore, EnrollmentQuery, EnrollmentStore, EnrollOutcome, MemberCourse, RateOutcome, UnenrollOutcome } from '../../ports/store/index.ts';
import { WriteRefusedError } from '../../domain/errors.ts';
import { SqlitePart } from './connection.ts';
import { COURSE_COLUMNS, toCommunity, toCourse, toMember, type CommunityRow, type CourseRow, type MemberRow } from './rows.ts';

export class SqliteEnrollmentStore extends SqlitePart implements EnrollmentStore, EnrollmentContextStore {
  private contextReader: ((community: number, member: number, course: number) => EnrollmentContext) | undefined;

  enroll(communityId: string, memberId: string, courseId: string, at: Date): Promise<EnrollOutcome> {
    return this.guard(() =>
      this.db
        .transaction((): EnrollOutcome => {
          this.requireMemberAndOpenCourse(communityId, memberId, courseId);
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

  /**
   * The same five reads as getCommunity, getMember, getCourse, isEnrolled and hasRated, in one
   * grouped transaction (SqliteConnection.grouped) with the other jobs' reads of this turn: in
   * WAL mode each statement outside a transaction takes and drops its own read lock (a lock on
   * the shared-memory file), which costs more than the lookups themselves.
   */
  enrollmentContext(communityId: string, memberId: string, courseId: string): Promise<EnrollmentContext> {
    this.contextReader ??= this.readContext();
    const reader = this.contextReader;
    return this.grouped(() => reader(Number(communityId), Number(memberId), Number(courseId)), 'read');
  }

  private readContext(): (community: number, member: number, course: number) => EnrollmentContext {
    const communityRow = this.sql('SELECT * FROM communities WHERE id = ?');
    const memberRow = this.sql('SELECT * FROM members WHERE community_id = ? AND id = ?');
    const courseRow = this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE community_id = ? AND id = ?`);
    const enrolled = this.sql('SELECT 1 FROM enrollments WHERE community_id = ? AND member_id = ? AND course_id = ?');
    const rated = this.sql('SELECT 1 FROM ratings WHERE community_id = ? AND member_id = ? AND course_id = ?');
    return (community: number, member: number, course: number): EnrollmentContext => {
      const c = communityRow.get(community) as CommunityRow | undefined;
      const m = memberRow.get(community, member) as MemberRow | undefined;
      const k = courseRow.get(community, course) as CourseRow | undefined;
      return {
        community: c ? toCommunity(c) : null,
        member: m ? toMember(m) : null,
        course: k ? toCourse(k) : null,
        enrolled: enrolled.get(community, member, course) !== undefined,
        rated: rated.get(community, member, course) !== undefined,
      };
    };
  }

  hasRated(communityId: string, memberId: string, courseId: string): Promise<boolean> {
    return this.guard(
      () => this.sql('SELECT 1 FROM ratings WHERE community_id = ? AND member_id = ? AND course_id = ?').get(Number(communityId), Number(memberId), Number(courseId)) !== undefined,
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
          this.requireMemberAndOpenCourse(communityId, memberId, courseId);
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

  /**
   * Foreign keys alone would accept another community's course or member (they name a row, not
   * its community), and an archived course: refuse those before writing anything.
   */
  private requireMemberAndOpenCourse(communityId: string, memberId: string, courseId: string): void {
    const member = this.sql('SELECT 1 FROM members WHERE community_id = ? AND id = ?').get(Number(communityId), Number(memberId));
    if (member === undefined) throw new WriteRefusedError('member-not-found', `member ${memberId} is not in community ${communityId}`);
    const course = this.sql('SELECT archived FROM courses WHERE community_id = ? AND id = ?').get(Number(communityId), Number(courseId)) as { archived: number } | undefined;
    if (course === undefined) throw new WriteRefusedError('course-not-found', `course ${courseId} is not in community ${communityId}`);
    if (course.archived === 1) throw new WriteRefusedError('course-archived', `course ${courseId} is archived`);
  }
}
