import type { ScoreSnapshot } from '../../domain/model.ts';
import type { CommunityRecount, CourseAggregateRepair, RecomputeStore, RecomputeWrite, RecomputeWriteOutcome, ScoreStore } from '../../ports/store/index.ts';
import { SqlitePart } from './connection.ts';
import { INSERT_DAILY_SNAPSHOT, dailySnapshotParams } from './history.ts';
import type { CourseFigures } from '../../domain/history.ts';
import { toCommunity, type CommunityRow, type CourseRow } from './rows.ts';

interface CountedRow {
  id: number;
  rating_count: number;
  rating_sum: number;
  enrolled_count: number;
  true_count: number;
  true_sum: number;
  true_enrolled: number;
}

interface ScoreSnapshotRow {
  community_id: number;
  taken_at: number;
  score: number;
  satisfaction: number;
  coverage: number;
  member_count: number;
  course_count: number;
}

/** Each course's stored aggregates beside the ones its rows give (`columns`: what else to read). */
const counted = (columns: string, order: string) => `SELECT ${columns}, c.rating_count, c.rating_sum, c.enrolled_count,
    coalesce(r.n, 0) AS true_count, coalesce(r.total, 0) AS true_sum, coalesce(e.n, 0) AS true_enrolled
  FROM courses c
  LEFT JOIN (SELECT course_id, count(*) AS n, sum(stars) AS total FROM ratings WHERE community_id = :community GROUP BY course_id) r ON r.course_id = c.id
  LEFT JOIN (SELECT course_id, count(*) AS n FROM enrollments WHERE community_id = :community GROUP BY course_id) e ON e.course_id = c.id
  WHERE c.community_id = :community${order}`;
const COUNTS = counted('c.id', '');
/** The same with what a score and a day's snapshot need of each course, in number order. */
const COUNTED_COURSES = counted('c.id, c.number, c.title, c.value, c.archived', ' ORDER BY c.number');
const INSERT_SCORE_SNAPSHOT = 'INSERT INTO score_snapshots (community_id, taken_at, score, satisfaction, coverage, member_count, course_count) VALUES (?, ?, ?, ?, ?, ?, ?)';
const LATEST_SCORE_SNAPSHOTS = 'SELECT * FROM score_snapshots WHERE community_id = ? ORDER BY taken_at DESC, rowid DESC LIMIT ?';

export class SqliteScoreStore extends SqlitePart implements ScoreStore, RecomputeStore {
  recomputeAggregates(communityId: string): Promise<CourseAggregateRepair[]> {
    // Counting runs outside the write lock (a WAL reader sees one consistent snapshot), so
    // /enroll and /rate never wait for a recompute; only the repairs take the lock.
    return this.guard(() => this.repair(this.sql(COUNTS).all({ community: Number(communityId) }) as CountedRow[]));
  }

  /**
   * The recount of recomputeAggregates, and the community, its member count and newest score
   * snapshot, read in one read transaction (one snapshot of the file). The course figures come
   * from the count itself, so the catalog is neither read again nor filled (evicting the
   * catalogs commands use) by a walk over every community.
   */
  recountCommunity(communityId: string): Promise<CommunityRecount | null> {
    return this.guard(() => {
      const id = Number(communityId);
      const read = this.db.transaction(() => {
        const community = this.sql('SELECT * FROM communities WHERE id = ?').get(id) as CommunityRow | undefined;
        if (!community) return null;
        return {
          community,
          rows: this.sql(COUNTED_COURSES).all({ community: id }) as (Pick<CourseRow, 'number' | 'title' | 'value' | 'archived'> & CountedRow)[],
          memberCount: this.sql('SELECT count(*) FROM members WHERE community_id = ?').pluck().get(id) as number,
          latest: this.sql(LATEST_SCORE_SNAPSHOTS).get(id, 1) as ScoreSnapshotRow | undefined,
        };
      })();
      if (!read) return null;
      const repairs = this.repair(read.rows);
      const courses = read.rows
        .filter((row) => row.archived === 0)
        .map((row): CourseFigures => ({
          id: String(row.id),
          number: row.number,
          title: row.title,
          value: row.value,
          ratingCount: row.true_count,
          ratingSum: row.true_sum,
          enrolledCount: row.true_enrolled,
        }));
      return { community: toCommunity(read.community), repairs, courses, memberCount: read.memberCount, latest: read.latest ? toScoreSnapshot(read.latest) : null };
    });
  }

  /**
   * One immediate transaction for every write, each in a savepoint of its own: a write that
   * fails (a constraint, a community deleted meanwhile) is rolled back alone and reported,
   * and the rest commit together.
   */
  saveRecomputes(writes: readonly RecomputeWrite[]): Promise<RecomputeWriteOutcome[]> {
    return this.guard(() => {
      const daily = this.sql(INSERT_DAILY_SNAPSHOT);
      const score = this.sql(INSERT_SCORE_SNAPSHOT);
      const one = this.db.transaction((write: RecomputeWrite): boolean => {
        const dailySaved = write.daily ? daily.run(...dailySnapshotParams(write.daily)).changes > 0 : false;
        if (write.score) score.run(...scoreSnapshotParams(write.score));
        return dailySaved;
      });
      return this.db
        .transaction(() =>
          writes.map((write): RecomputeWriteOutcome => {
            try {
              return { ok: true, dailySaved: one(write) };
            } catch (error) {
              return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
            }
          }),
        )
        .immediate();
    });
  }

  saveScoreSnapshot(s: ScoreSnapshot): Promise<void> {
    return this.guard(() => {
      this.sql(INSERT_SCORE_SNAPSHOT).run(...scoreSnapshotParams(s));
    });
  }

  listScoreSnapshots(communityId: string, limit: number): Promise<ScoreSnapshot[]> {
    return this.guard(() => (this.sql(LATEST_SCORE_SNAPSHOTS).all(Number(communityId), limit) as ScoreSnapshotRow[]).map(toScoreSnapshot));
  }

  /**
   * Compare-and-set: a course a command changed since the count keeps its (newer) figures;
   * the next recompute looks at it again.
   */
  private repair(rows: readonly CountedRow[]): CourseAggregateRepair[] {
    const drifted = rows.filter((row) => row.rating_count !== row.true_count || row.rating_sum !== row.true_sum || row.enrolled_count !== row.true_enrolled);
    if (drifted.length === 0) return [];
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
  }
}

function scoreSnapshotParams(s: ScoreSnapshot): [number, number, number, number, number, number, number] {
  return [Number(s.communityId), s.takenAt.getTime(), s.score, s.satisfaction, s.coverage, s.memberCount, s.courseCount];
}

function toScoreSnapshot(r: ScoreSnapshotRow): ScoreSnapshot {
  return {
    communityId: String(r.community_id),
    takenAt: new Date(r.taken_at),
    score: r.score,
    satisfaction: r.satisfaction,
    coverage: r.coverage,
    memberCount: r.member_count,
    courseCount: r.course_count,
  };
}
