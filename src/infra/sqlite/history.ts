import type { CourseDay, DailySnapshot } from '../../domain/history.ts';
import type { ActivityRow, HistoryStore, RatingRow, RowPage } from '../../ports/store/index.ts';
import { SqlitePart } from './connection.ts';

interface SnapshotRow {
  community_id: number;
  day: string;
  taken_at: number;
  score: number;
  satisfaction: number;
  coverage: number;
  member_count: number;
  rating_count: number;
  enrollment_count: number;
  active_course_count: number;
  courses: string;
}

interface JoinedRow {
  member_id: number;
  course_id: number;
  external_id: string;
  display_name: string;
  number: number;
  title: string;
  at: number;
  stars?: number;
  review?: string | null;
}

/** Cursor `<member id>.<course id>`: the position in the (member, course) primary key order. */
function parseCursor(after: string | undefined): [number, number] {
  const match = after ? /^(\d+)\.(\d+)$/.exec(after) : null;
  return match ? [Number(match[1]), Number(match[2])] : [0, 0];
}

function activity(row: JoinedRow): ActivityRow {
  return { memberExternalId: row.external_id, memberName: row.display_name, courseNumber: row.number, courseTitle: row.title, at: new Date(row.at) };
}

function rating(row: JoinedRow): RatingRow {
  return { ...activity(row), stars: row.stars!, review: row.review ?? null };
}

/** Adds the day's snapshot unless the community has that day (the unique day key decides races). */
export const INSERT_DAILY_SNAPSHOT = `INSERT INTO daily_snapshots (community_id, day, taken_at, score, satisfaction, coverage, member_count, rating_count, enrollment_count, active_course_count, courses)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (community_id, day) DO NOTHING`;

export function dailySnapshotParams(s: DailySnapshot): [number, string, number, number, number, number, number, number, number, number, string] {
  return [Number(s.communityId), s.day, s.takenAt.getTime(), s.score, s.satisfaction, s.coverage, s.memberCount, s.ratingCount, s.enrollmentCount, s.activeCourseCount, JSON.stringify(s.courses)];
}

export class SqliteHistoryStore extends SqlitePart implements HistoryStore {
  saveDailySnapshot(s: DailySnapshot): Promise<boolean> {
    return this.guard(() => this.sql(INSERT_DAILY_SNAPSHOT).run(...dailySnapshotParams(s)).changes > 0);
  }

  listDailySnapshots(communityId: string, fromDay: string): Promise<DailySnapshot[]> {
    return this.guard(() => {
      const rows = this.sql('SELECT * FROM daily_snapshots WHERE community_id = ? AND day >= ? ORDER BY day').all(Number(communityId), fromDay) as SnapshotRow[];
      return rows.map((r) => ({
        communityId: String(r.community_id),
        day: r.day,
        takenAt: new Date(r.taken_at),
        score: r.score,
        satisfaction: r.satisfaction,
        coverage: r.coverage,
        memberCount: r.member_count,
        ratingCount: r.rating_count,
        enrollmentCount: r.enrollment_count,
        activeCourseCount: r.active_course_count,
        courses: JSON.parse(r.courses) as CourseDay[],
      }));
    });
  }

  pruneDailySnapshots(before: Date): Promise<number> {
    return this.guard(() => this.sql('DELETE FROM daily_snapshots WHERE taken_at < ?').run(before.getTime()).changes);
  }

  listEnrollmentRows(communityId: string, after: string | undefined, limit: number): Promise<RowPage<ActivityRow>> {
    return this.guard(() => {
      const [member, course] = parseCursor(after);
      const rows = this.sql(
        `SELECT e.member_id, e.course_id, m.external_id, m.display_name, c.number, c.title, e.enrolled_at AS at
         FROM enrollments e JOIN members m ON m.id = e.member_id JOIN courses c ON c.id = e.course_id
         WHERE e.community_id = :community AND (e.member_id, e.course_id) > (:member, :course)
         ORDER BY e.member_id, e.course_id LIMIT :limit`,
      ).all({ community: Number(communityId), member, course, limit }) as JoinedRow[];
      return page(rows, limit, activity);
    });
  }

  listRatingRows(communityId: string, after: string | undefined, limit: number): Promise<RowPage<RatingRow>> {
    return this.guard(() => {
      const [member, course] = parseCursor(after);
      const rows = this.sql(
        `SELECT r.member_id, r.course_id, m.external_id, m.display_name, c.number, c.title, r.updated_at AS at, r.stars, r.review
         FROM ratings r JOIN members m ON m.id = r.member_id JOIN courses c ON c.id = r.course_id
         WHERE r.community_id = :community AND (r.member_id, r.course_id) > (:member, :course)
         ORDER BY r.member_id, r.course_id LIMIT :limit`,
      ).all({ community: Number(communityId), member, course, limit }) as JoinedRow[];
      return page(rows, limit, rating);
    });
  }

  listRecentReviews(communityId: string, limit: number): Promise<RatingRow[]> {
    return this.guard(() => {
      const rows = this.sql(
        `SELECT r.member_id, r.course_id, m.external_id, m.display_name, c.number, c.title, r.updated_at AS at, r.stars, r.review
         FROM ratings r JOIN members m ON m.id = r.member_id JOIN courses c ON c.id = r.course_id
         WHERE r.community_id = ? AND r.review IS NOT NULL AND r.review != ''
         ORDER BY r.updated_at DESC, r.member_id, r.course_id LIMIT ?`,
      ).all(Number(communityId), limit) as JoinedRow[];
      return rows.map(rating);
    });
  }
}

function page<T>(rows: JoinedRow[], limit: number, map: (row: JoinedRow) => T): RowPage<T> {
  const last = rows.at(-1);
  return { rows: rows.map(map), ...(rows.length === limit && last ? { next: `${last.member_id}.${last.course_id}` } : {}) };
}
