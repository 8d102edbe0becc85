import type { Statement } from 'better-sqlite3';
import type { Course } from '../../domain/model.ts';
import type { CoursePage, CourseQuery } from '../../ports/store/index.ts';
import type { CatalogCache } from '../catalog/catalog-cache.ts';
import { CatalogSnapshot, type CatalogEntry } from '../catalog/catalog-snapshot.ts';
import type { SqliteConnection } from './connection.ts';
import { COURSE_COLUMNS, toCourse, type CourseRow } from './rows.ts';

/**
 * The course catalog of each community served from memory (CatalogSnapshot), kept exact:
 *
 * - this connection's own writes to `courses`, whichever method (or test) makes them, are
 *   logged by TEMP triggers, which only fire for this connection; before every cached read the
 *   logged courses are re-read into their snapshots;
 * - any commit by another connection (another process on the same file) changes
 *   `PRAGMA data_version`; before every cached read a changed value drops every snapshot.
 *
 * Both checks are one prepared statement. Reads that build a snapshot: listCourses,
 * listActiveCourses, activeRatingTotals; single-course reads use one only if it is cached.
 */
export class SqliteCatalog {
  private readonly token: Statement;
  private readonly drainLog: Statement;
  private readonly clearLog: Statement;
  private readonly courseRow: Statement;
  private readonly communityRows: Statement;
  private dataVersion: number;

  constructor(
    connection: SqliteConnection,
    readonly cache: CatalogCache,
  ) {
    const db = connection.db;
    db.exec(`
      CREATE TEMP TABLE IF NOT EXISTS catalog_log (community_id INTEGER, course_id INTEGER);
      CREATE TEMP TRIGGER IF NOT EXISTS catalog_log_insert AFTER INSERT ON main.courses
        BEGIN INSERT INTO catalog_log VALUES (NEW.community_id, NEW.id); END;
      CREATE TEMP TRIGGER IF NOT EXISTS catalog_log_update AFTER UPDATE ON main.courses
        BEGIN INSERT INTO catalog_log VALUES (OLD.community_id, OLD.id), (NEW.community_id, NEW.id); END;
      CREATE TEMP TRIGGER IF NOT EXISTS catalog_log_delete AFTER DELETE ON main.courses
        BEGIN INSERT INTO catalog_log VALUES (OLD.community_id, OLD.id); END;`);
    this.token = db.prepare('SELECT (SELECT data_version FROM pragma_data_version) AS version, EXISTS (SELECT 1 FROM temp.catalog_log) AS logged');
    this.drainLog = db.prepare('SELECT DISTINCT community_id, course_id FROM temp.catalog_log');
    this.clearLog = db.prepare('DELETE FROM temp.catalog_log');
    this.courseRow = db.prepare(`SELECT ${COURSE_COLUMNS}, search_text FROM courses WHERE community_id = ? AND id = ?`);
    this.communityRows = db.prepare(`SELECT ${COURSE_COLUMNS}, search_text FROM courses WHERE community_id = ? ORDER BY number`);
    this.dataVersion = (this.token.get() as { version: number }).version;
    this.clearLog.run();
  }

  listCourses(communityId: string, query: CourseQuery): CoursePage | undefined {
    return this.snapshot(communityId)?.page(query);
  }

  listActiveCourses(communityId: string): Course[] | undefined {
    return this.snapshot(communityId)?.activeCourses();
  }

  activeRatingTotals(communityId: string): { ratingCount: number; ratingSum: number } | undefined {
    return this.snapshot(communityId)?.activeRatingTotals();
  }

  /** Undefined when the community's catalog is not cached (a point read needs no snapshot). */
  getCourse(communityId: string, courseId: string): Course | null | undefined {
    if (!isRowId(courseId)) return undefined;
    return this.cached(communityId)?.getById(courseId);
  }

  getCourseByNumber(communityId: string, number: number): Course | null | undefined {
    if (!Number.isSafeInteger(number)) return undefined;
    return this.cached(communityId)?.getByNumber(number);
  }

  private cached(communityId: string): CatalogSnapshot | undefined {
    if (!isRowId(communityId)) return undefined;
    this.catchUp();
    return this.cache.get(communityId)?.snapshot;
  }

  private snapshot(communityId: string): CatalogSnapshot | undefined {
    if (!isRowId(communityId)) return undefined;
    this.catchUp();
    const cached = this.cache.get(communityId);
    if (cached) return cached.snapshot;
    const snapshot = new CatalogSnapshot((this.communityRows.all(Number(communityId)) as SearchableRow[]).map(toEntry));
    this.cache.set(communityId, snapshot);
    return snapshot;
  }

  /** Applies what changed since the last read: others' commits drop everything, own writes are re-read. */
  private catchUp(): void {
    const { version, logged } = this.token.get() as { version: number; logged: number };
    if (version !== this.dataVersion) {
      this.dataVersion = version;
      this.cache.clear();
      if (logged) this.clearLog.run();
      return;
    }
    if (!logged) return;
    const changed = this.drainLog.all() as { community_id: number; course_id: number }[];
    this.clearLog.run();
    for (const { community_id: community, course_id: course } of changed) {
      const communityId = String(community);
      const cached = this.cache.get(communityId);
      if (!cached) continue;
      const row = this.courseRow.get(community, course) as SearchableRow | undefined;
      cached.snapshot.put(String(course), row ? toEntry(row) : null);
      this.cache.account(communityId);
    }
  }
}

type SearchableRow = CourseRow & { search_text: string };

function toEntry(row: SearchableRow): CatalogEntry {
  return { course: toCourse(row), search: row.search_text };
}

/** Ids this store hands out are decimal row ids; anything else goes to SQL as before. */
function isRowId(id: string): boolean {
  return typeof id === 'string' && /^[1-9]\d{0,15}$/.test(id);
}
