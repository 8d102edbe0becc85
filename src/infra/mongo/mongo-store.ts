import mongoose, { type Connection } from 'mongoose';
import type { Store } from '../../ports/store/index.ts';
import { StoreFacade } from '../store-facade.ts';
import type { Logger } from '../../ports/logger.ts';
import { silentLogger } from '../../ports/logger.ts';
import { StorageUnavailableError } from '../../domain/errors.ts';
import { MongoCommunityStore } from './communities.ts';
import { connectionOptions, describeMongoUri, supportsTransactions, type ConnectionSettings } from './connection.ts';
import { MongoCourseStore } from './courses.ts';
import { MongoEnrollmentStore } from './enrollments.ts';
import { toStoreError } from './errors.ts';
import { MongoInstallationStore } from './installations.ts';
import { createModels, ensureIndexes } from './models.ts';
import type { MongoContext } from './part.ts';
import { MongoScoreStore } from './scores.ts';
import { MongoHistoryStore } from './history.ts';
import { MongoPrivacyStore } from './privacy.ts';
import { MongoTransfer } from './transfer.ts';
import { MongoCohortStore } from './cohort-store.ts';
import { DELIVERIES, MongoDeliveries } from './mongo-deliveries.ts';
import type { DeliveryRecords } from '../../ports/store/deliveries.ts';
import { CatalogCache, DEFAULT_CATALOG_CACHE_BYTES } from '../catalog/catalog-cache.ts';
import { VersionedCatalog } from '../catalog/versioned-catalog.ts';
import { MongoCatalogSource } from './catalog.ts';

export interface MongoStoreOptions extends ConnectionSettings {
  uri: string;
  logger?: Logger;
  /** `off` forces the standalone write path even on a replica set (for tests of that path). */
  transactions?: 'auto' | 'off';
  /** Memory bound of the in-memory course catalogs (CATALOG_CACHE_MB); 0 turns them off. */
  catalogCacheBytes?: number;
}

/**
 * The MongoDB store (mongoose): one connection, one module per aggregate over it; this facade
 * opens the connection and routes each port method to its aggregate's module.
 *
 * Multi-document writes (an enrollment or rating and its course's aggregates) run in a
 * transaction when the server supports them (replica set or sharded cluster). On a standalone
 * server they run as ordered single-document writes, each atomic on its own: the rating upsert
 * returns the previous stars atomically, so concurrent writers still add up exactly; only a
 * crash or lost connection between the two writes can leave a course's aggregates off by one,
 * and the periodic `recomputeAggregates` repairs that.
 *
 * Course numbers come from a per-community counter document (`$inc`), outside any transaction
 * so that concurrent creators never conflict; a failed insert leaves a gap, never a reuse.
 *
 * Catalog reads (`listCourses`, `listActiveCourses`, `activeRatingTotals`) are served from a
 * per-community snapshot in memory, checked against the community's `catalogVersion`, which
 * every write that changes the community's courses replaces (VersionedCatalog).
 */
export class MongoStore extends StoreFacade implements Store {
  readonly kind = 'mongo' as const;
  /** Whether multi-document writes run in transactions (see above). */
  readonly transactions: boolean;
  private readonly conn: Connection;
  readonly deliveries: DeliveryRecords;
  protected override readonly communities: MongoCommunityStore;
  protected override readonly courses: MongoCourseStore;
  protected override readonly enrollments: MongoEnrollmentStore;
  protected override readonly scores: MongoScoreStore;
  protected override readonly installations: MongoInstallationStore;
  protected override readonly history: MongoHistoryStore;
  protected override readonly privacy: MongoPrivacyStore;
  private readonly context: MongoContext;
  private closing = false;

  /** The in-memory course catalogs (see VersionedCatalog); null when turned off. */
  get catalog(): VersionedCatalog | null {
    return this.context.catalog;
  }

  private constructor(
    context: MongoContext,
    logger: Logger,
    where: string,
    readonly cohorts: MongoCohortStore,
  ) {
    super();
    this.conn = context.conn;
    this.deliveries = new MongoDeliveries(context.conn.collection(DELIVERIES));
    this.transactions = context.transactions;
    this.communities = new MongoCommunityStore(context);
    this.courses = new MongoCourseStore(context);
    this.enrollments = new MongoEnrollmentStore(context);
    this.scores = new MongoScoreStore(context);
    this.installations = new MongoInstallationStore(context);
    this.history = new MongoHistoryStore(context);
    this.privacy = new MongoPrivacyStore(context);
    this.context = context;
    this.conn.on('disconnected', () => {
      if (!this.closing) logger.warn({ store: 'mongo', uri: where }, 'MongoDB connection lost; commands answer "storage unavailable" until it is back');
    });
    this.conn.on('reconnected', () => logger.info({ store: 'mongo', uri: where }, 'MongoDB connection restored'));
  }

  /** Connects, checks the server answers, creates collections and indexes. Throws driver errors as they are. */
  static async connect(options: MongoStoreOptions): Promise<MongoStore> {
    const logger = options.logger ?? silentLogger;
    const conn = mongoose.createConnection(options.uri, connectionOptions(options));
    // Without a listener, a connection 'error' event would be thrown by EventEmitter. Before the
    // store is open the caller reports the failure itself, once.
    let open = false;
    conn.on('error', (error: unknown) => {
      if (open) logger.warn({ err: error, store: 'mongo' }, 'MongoDB connection error');
    });
    try {
      await conn.asPromise();
      const db = conn.db;
      if (!db) throw new StorageUnavailableError();
      const hello = await db.command({ hello: 1 });
      const models = createModels(conn);
      await ensureIndexes(models);
      const cohorts = await MongoCohortStore.open(conn);
      await MongoDeliveries.ensureIndexes(conn.collection(DELIVERIES));
      open = true;
      const transactions = options.transactions !== 'off' && supportsTransactions(hello);
      const cacheBytes = options.catalogCacheBytes ?? DEFAULT_CATALOG_CACHE_BYTES;
      const catalog = cacheBytes > 0 ? new VersionedCatalog(new CatalogCache(cacheBytes), new MongoCatalogSource(models)) : null;
      return new MongoStore({ conn, models, transactions, catalog }, logger, describeMongoUri(options.uri), cohorts);
    } catch (error) {
      await conn.close(true).catch(() => undefined);
      throw error;
    }
  }

  /** The mongoose connection, for integrity checks and clean-up in tests only. */
  get connection(): Connection {
    return this.conn;
  }

  /** Bulk export and import for `syllabot migrate`. */
  transfer(description: string): MongoTransfer {
    return new MongoTransfer(this.context, description);
  }

  async ping(): Promise<void> {
    try {
      // Always ask the driver, even while mongoose reports "disconnected": server selection is
      // what makes the driver check the server again, so this is also how a ping reconnects.
      const db = this.conn.db;
      if (!db) throw new StorageUnavailableError();
      await db.command({ ping: 1 });
    } catch (error) {
      throw toStoreError(error);
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.conn.close();
  }
}
