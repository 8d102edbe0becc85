import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database as Db } from 'better-sqlite3';
import type { Store } from '../../ports/store/index.ts';
import { StoreFacade } from '../store-facade.ts';
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
export class SqliteStore extends StoreFacade implements Store, OnlineBackup {
  readonly kind = 'sqlite' as const;
  protected override readonly communities: SqliteCommunityStore;
  protected override readonly courses: SqliteCourseStore;
  protected override readonly enrollments: SqliteEnrollmentStore;
  protected override readonly scores: SqliteScoreStore;
  protected override readonly installations: SqliteInstallationStore;
  protected override readonly history: SqliteHistoryStore;
  protected override readonly privacy: SqlitePrivacyStore;
  readonly cohorts: SqliteCohortStore;
  readonly deliveries: DeliveryRecords;

  /** Null when turned off. */
  readonly catalog: SqliteCatalog | null;

  private constructor(
    private readonly connection: SqliteConnection,
    catalogCacheBytes: number,
    private readonly releaseInUse: () => void = () => undefined,
  ) {
    super();
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

  // Catalog reads come from memory where the catalog can answer them (see SqliteCatalog).
  override readonly getCourseByNumber: Store['getCourseByNumber'] = (...a) => this.fromCatalog((c) => c.getCourseByNumber(...a), () => this.courses.getCourseByNumber(...a));
  override readonly getCourse: Store['getCourse'] = (...a) => this.fromCatalog((c) => c.getCourse(...a), () => this.courses.getCourse(...a));
  override readonly listCourses: Store['listCourses'] = (...a) => this.fromCatalog((c) => c.listCourses(...a), () => this.courses.listCourses(...a));
  override readonly listActiveCourses: Store['listActiveCourses'] = (...a) => this.fromCatalog((c) => c.listActiveCourses(...a), () => this.courses.listActiveCourses(...a));
  override readonly enrollmentContext: Store['enrollmentContext'] = (...a) => this.enrollments.enrollmentContext(...a);
  override readonly activeRatingTotals: Store['activeRatingTotals'] = (...a) => this.fromCatalog((c) => c.activeRatingTotals(...a), () => this.courses.activeRatingTotals(...a));

  // The recompute's recount and its page of writes in one transaction.
  override readonly recountCommunity: Store['recountCommunity'] = (...a) => this.scores.recountCommunity(...a);
  override readonly saveRecomputes: Store['saveRecomputes'] = (...a) => this.scores.saveRecomputes(...a);

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
    // Grouped work of this turn (delivery claims, sent marks) is written first.
    this.connection.close();
    this.releaseInUse();
  }
}
