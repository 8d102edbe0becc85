import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import type { Store } from '../../ports/store/index.ts';
import { SqliteCommunityStore } from './communities.ts';
import { SqliteConnection } from './connection.ts';
import { SqliteCourseStore } from './courses.ts';
import { SqliteEnrollmentStore } from './enrollments.ts';
import { SqliteInstallationStore } from './installations.ts';
import { SqliteScoreStore } from './scores.ts';
import { SqliteHistoryStore } from './history.ts';
import { SqlitePrivacyStore } from './privacy.ts';
import { SqliteTransfer } from './transfer.ts';
import { markInUse } from './in-use.ts';
import type { OnlineBackup } from '../../ports/store/transfer.ts';
import { SqliteCohortStore } from './cohort-store.ts';
import { SqliteDeliveries } from './sqlite-deliveries.ts';
import type { DeliveryRecords } from '../../ports/store/deliveries.ts';
import { CatalogCache, DEFAULT_CATALOG_CACHE_BYTES } from '../catalog/catalog-cache.ts';
import { SqliteCatalog } from './catalog.ts';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for throwaway stores in unit tests. */
  path: string;
  /** Memory bound of the in-memory course catalogs (CATALOG_CACHE_MB); 0 turns them off. */
  catalogCacheBytes?: number;
  /**
   * Marks the file as used by this process (`syllabot start`, `worker`, `console`) until it is
   * closed, so `syllabot restore` refuses to replace it meanwhile.
   */
  markInUseAs?: string;
}

/**
 * The embedded store: one SQLite file (see SqliteConnection), one module per aggregate over it.
 * This facade only routes each port method to its aggregate's module.
 */
export class SqliteStore implements Store, OnlineBackup {
  readonly kind = 'sqlite' as const;
  private readonly communities: SqliteCommunityStore;
  private readonly courses: SqliteCourseStore;
  private readonly enrollments: SqliteEnrollmentStore;
  private readonly scores: SqliteScoreStore;
  private readonly installations: SqliteInstallationStore;
  private readonly history: SqliteHistoryStore;
  private readonly privacy: SqlitePrivacyStore;
  readonly cohorts: SqliteCohortStore;
  readonly deliveries: DeliveryRecords;

  /** Null when turned off. */
  readonly catalog: SqliteCatalog | null;

  private constructor(
    private readonly connection: SqliteConnection,
    catalogCacheBytes: number,
    private readonly releaseInUse: () => void = () => undefined,
  ) {
    this.catalog = catalogCacheBytes > 0 ? new SqliteCatalog(connection, new CatalogCache(catalogCacheBytes)) : null;
    this.privacy = new SqlitePrivacyStore(connection);
    this.cohorts = new SqliteCohortStore(connection.db);
    this.communities = new SqliteCommunityStore(connection);
    this.courses = new SqliteCourseStore(connection);
    this.enrollments = new SqliteEnrollmentStore(connection);
    this.scores = new SqliteScoreStore(connection);
    this.installations = new SqliteInstallationStore(connection);
    this.history = new SqliteHistoryStore(connection);
    this.deliveries = new SqliteDeliveries(connection);
  }

  static open(options: SqliteStoreOptions): SqliteStore {
    const connection = SqliteConnection.open(options.path);
    return new SqliteStore(
      connection,
      options.catalogCacheBytes ?? DEFAULT_CATALOG_CACHE_BYTES,
      options.markInUseAs && options.path !== ':memory:' ? markInUse(options.path, options.markInUseAs) : undefined,
    );
  }

  /** The underlying handle, for integrity checks in tests and benchmarks only. */
  get database(): Db {
    return this.connection.db;
  }

  readonly findCommunity: Store['findCommunity'] = (...a) => this.communities.findCommunity(...a);
  readonly upsertCommunity: Store['upsertCommunity'] = (...a) => this.communities.upsertCommunity(...a);
  readonly getCommunity: Store['getCommunity'] = (...a) => this.communities.getCommunity(...a);
  readonly updateCommunitySettings: Store['updateCommunitySettings'] = (...a) => this.communities.updateCommunitySettings(...a);
  readonly listCommunities: Store['listCommunities'] = (...a) => this.communities.listCommunities(...a);
  readonly upsertMember: Store['upsertMember'] = (...a) => this.communities.upsertMember(...a);
  readonly getMember: Store['getMember'] = (...a) => this.communities.getMember(...a);
  readonly findMember: Store['findMember'] = (...a) => this.communities.findMember(...a);
  readonly setRemindersEnabled: Store['setRemindersEnabled'] = (...a) => this.communities.setRemindersEnabled(...a);
  readonly countMembers: Store['countMembers'] = (...a) => this.communities.countMembers(...a);

  readonly createCourse: Store['createCourse'] = (...a) => this.courses.createCourse(...a);
  readonly updateCourse: Store['updateCourse'] = (...a) => this.courses.updateCourse(...a);
  readonly setCourseArchived: Store['setCourseArchived'] = (...a) => this.courses.setCourseArchived(...a);
  // Catalog reads come from memory where the catalog can answer them (see SqliteCatalog).
  readonly getCourseByNumber: Store['getCourseByNumber'] = (...a) => this.fromCatalog((c) => c.getCourseByNumber(...a), () => this.courses.getCourseByNumber(...a));
  readonly getCourse: Store['getCourse'] = (...a) => this.fromCatalog((c) => c.getCourse(...a), () => this.courses.getCourse(...a));
  readonly findCoursesByTitlePrefix: Store['findCoursesByTitlePrefix'] = (...a) => this.courses.findCoursesByTitlePrefix(...a);
  readonly listCourses: Store['listCourses'] = (...a) => this.fromCatalog((c) => c.listCourses(...a), () => this.courses.listCourses(...a));
  readonly listActiveCourses: Store['listActiveCourses'] = (...a) => this.fromCatalog((c) => c.listActiveCourses(...a), () => this.courses.listActiveCourses(...a));
  readonly activeRatingTotals: Store['activeRatingTotals'] = (...a) => this.fromCatalog((c) => c.activeRatingTotals(...a), () => this.courses.activeRatingTotals(...a));

  private fromCatalog<T>(cached: (catalog: SqliteCatalog) => T | undefined, stored: () => Promise<T>): Promise<T> {
    const catalog = this.catalog;
    if (!catalog) return stored();
    let answer: T | undefined;
    try {
      answer = cached(catalog);
    } catch (error) {
      // A busy or unreadable file: the same error the store's own read would give.
      return this.connection.guard(() => {
        throw error;
      });
    }
    return answer === undefined ? stored() : Promise.resolve(answer);
  }

  readonly enroll: Store['enroll'] = (...a) => this.enrollments.enroll(...a);
  readonly unenroll: Store['unenroll'] = (...a) => this.enrollments.unenroll(...a);
  readonly isEnrolled: Store['isEnrolled'] = (...a) => this.enrollments.isEnrolled(...a);
  readonly hasRated: Store['hasRated'] = (...a) => this.enrollments.hasRated(...a);
  readonly listMemberCourses: Store['listMemberCourses'] = (...a) => this.enrollments.listMemberCourses(...a);
  readonly listEnrolledMemberIds: Store['listEnrolledMemberIds'] = (...a) => this.enrollments.listEnrolledMemberIds(...a);
  readonly listEnrollments: Store['listEnrollments'] = (...a) => this.enrollments.listEnrollments(...a);
  readonly rate: Store['rate'] = (...a) => this.enrollments.rate(...a);
  readonly starHistogram: Store['starHistogram'] = (...a) => this.enrollments.starHistogram(...a);

  readonly recomputeAggregates: Store['recomputeAggregates'] = (...a) => this.scores.recomputeAggregates(...a);
  readonly saveScoreSnapshot: Store['saveScoreSnapshot'] = (...a) => this.scores.saveScoreSnapshot(...a);
  readonly listScoreSnapshots: Store['listScoreSnapshots'] = (...a) => this.scores.listScoreSnapshots(...a);

  readonly saveInstallation: Store['saveInstallation'] = (...a) => this.installations.saveInstallation(...a);
  readonly findInstallation: Store['findInstallation'] = (...a) => this.installations.findInstallation(...a);
  readonly deleteInstallation: Store['deleteInstallation'] = (...a) => this.installations.deleteInstallation(...a);

  readonly saveDailySnapshot: Store['saveDailySnapshot'] = (...a) => this.history.saveDailySnapshot(...a);
  readonly listDailySnapshots: Store['listDailySnapshots'] = (...a) => this.history.listDailySnapshots(...a);
  readonly pruneDailySnapshots: Store['pruneDailySnapshots'] = (...a) => this.history.pruneDailySnapshots(...a);
  readonly listEnrollmentRows: Store['listEnrollmentRows'] = (...a) => this.history.listEnrollmentRows(...a);
  readonly listRatingRows: Store['listRatingRows'] = (...a) => this.history.listRatingRows(...a);
  readonly listRecentReviews: Store['listRecentReviews'] = (...a) => this.history.listRecentReviews(...a);
  readonly memberData: Store['memberData'] = (...a) => this.privacy.memberData(...a);
  readonly eraseMember: Store['eraseMember'] = (...a) => this.privacy.eraseMember(...a);
  readonly findMembersByName: Store['findMembersByName'] = (...a) => this.privacy.findMembersByName(...a);
  readonly markCommunityRemoved: Store['markCommunityRemoved'] = (...a) => this.privacy.markCommunityRemoved(...a);
  readonly listCommunitiesRemovedBefore: Store['listCommunitiesRemovedBefore'] = (...a) => this.privacy.listCommunitiesRemovedBefore(...a);
  readonly purgeCommunity: Store['purgeCommunity'] = (...a) => this.privacy.purgeCommunity(...a);

  /** Bulk export and import for `syllabot migrate`. */
  transfer(): SqliteTransfer {
    return new SqliteTransfer(this.connection.db, `sqlite:${this.connection.db.name}`);
  }

  /**
   * SQLite's online backup: pages are copied in steps while other connections keep writing;
   * pages written meanwhile are copied again, so the file is one consistent state.
   */
  async backupTo(file: string, progress?: (done: number, total: number) => void): Promise<void> {
    mkdirSync(dirname(file), { recursive: true });
    await this.connection.db.backup(file, {
      progress: ({ totalPages, remainingPages }) => {
        progress?.(totalPages - remainingPages, totalPages);
        return 256;
      },
    });
  }

  ping(): Promise<void> {
    return this.connection.guard(() => {
      this.connection.db.prepare('SELECT 1').get();
    });
  }

  async close(): Promise<void> {
    this.connection.close();
    this.releaseInUse();
  }
}
