import type { Course } from '../../domain/model.ts';
import type { CoursePage, CoursePatch, CourseQuery, CourseStore, NewCourse } from '../../ports/store/index.ts';
import { foldText, searchText } from '../text-fold.ts';
import { WriteRefusedError } from '../../domain/errors.ts';
import { SqlitePart } from './connection.ts';
import { COURSE_COLUMNS, toCourse, type CourseRow } from './rows.ts';

export class SqliteCourseStore extends SqlitePart implements CourseStore {
  createCourse(communityId: string, course: NewCourse): Promise<Course> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const number = this.sql('UPDATE communities SET next_course_number = next_course_number + 1 WHERE id = ? RETURNING next_course_number - 1')
            .pluck()
            .get(Number(communityId)) as number | undefined;
          if (number === undefined) throw new WriteRefusedError('community-not-found', `community ${communityId} does not exist`);
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
          // Only the fields given are written, so two moderators editing different fields of one
          // course both keep their edit; the folded copies are derived from the row as it is now.
          const set: Record<string, unknown> = {};
          if (patch.title !== undefined) set.title = patch.title;
          if (patch.description !== undefined) set.description = patch.description;
          if (patch.url !== undefined) set.url = patch.url;
          if (patch.tags !== undefined) set.tags = JSON.stringify(patch.tags);
          if (patch.value !== undefined) set.value = patch.value;
          if (patch.startsAt !== undefined) set.starts_at = patch.startsAt?.getTime() ?? null;
          if (patch.title !== undefined) set.title_fold = foldText(patch.title);
          if (patch.title !== undefined || patch.description !== undefined || patch.tags !== undefined) {
            set.search_text = searchText(patch.title ?? current.title, patch.description ?? current.description, patch.tags ?? (JSON.parse(current.tags) as string[]));
          }
          const columns = Object.keys(set);
          if (columns.length === 0) return toCourse(current);
          const row = this.sql(
            `UPDATE courses SET ${columns.map((column) => `${column} = :${column}`).join(', ')}
             WHERE community_id = :community AND id = :course RETURNING ${COURSE_COLUMNS}`,
          ).get({ ...set, community: Number(communityId), course: Number(courseId) }) as CourseRow;
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
      if (!row) throw new WriteRefusedError('course-not-found', `course ${courseId} is not in community ${communityId}`);
      return toCourse(row);
    });
  }

  private courseRow(communityId: string, courseId: string): CourseRow {
    const row = this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE community_id = ? AND id = ?`).get(Number(communityId), Number(courseId)) as CourseRow | undefined;
    if (!row) throw new WriteRefusedError('course-not-found', `course ${courseId} is not in community ${communityId}`);
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
      // One read transaction: the count and the page come from the same snapshot of the file,
      // even while another process writes to it.
      return this.db.transaction((): CoursePage => {
        const total = this.sql(`SELECT count(*) FROM courses WHERE ${filter}`).pluck().get(withoutPaging(params)) as number;
        const rows = this.sql(`SELECT ${COURSE_COLUMNS} FROM courses WHERE ${filter} ORDER BY ${order} LIMIT :limit OFFSET :offset`).all(
          query.sort === 'top' ? params : withoutKeys(params, ['mean', 'weight']),
        ) as CourseRow[];
        return { items: rows.map(toCourse), total };
      })();
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
}

function withoutKeys(params: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !keys.includes(k)));
}

function withoutPaging(params: Record<string, unknown>): Record<string, unknown> {
  return withoutKeys(params, ['limit', 'offset', 'mean', 'weight']);
}
