import type { ScoreSnapshot } from '../../domain/model.ts';
import type { CourseAggregateRepair, ScoreStore } from '../../ports/store/index.ts';
import { SqlitePart } from './connection.ts';

export class SqliteScoreStore extends SqlitePart implements ScoreStore {
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
}
