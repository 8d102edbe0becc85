import type { Logger } from '../ports/logger.ts';
import type { Store } from '../ports/store/index.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import { resolve } from 'node:path';

/** The settings a store opens with (the validated configuration's names). */
export interface StoreSettings {
  MONGODB_URI?: string | undefined;
  MONGODB_ALLOW_STANDALONE: boolean;
  SQLITE_PATH: string;
  CATALOG_CACHE_MB: number;
}

/** MongoDB when MONGODB_URI is set, else the embedded SQLite file. */
export async function openStore(config: StoreSettings, logger: Logger, role = 'syllabot'): Promise<Store> {
  if (config.MONGODB_URI) {
    const { openMongoStore } = await import('./mongo/open-mongo-store.ts');
    return openMongoStore(config.MONGODB_URI, logger, { allowStandalone: config.MONGODB_ALLOW_STANDALONE, catalogCacheBytes: config.CATALOG_CACHE_MB * 2 ** 20 });
  }
  const path = resolve(config.SQLITE_PATH);
  const store = SqliteStore.open({ path, markInUseAs: role, catalogCacheBytes: config.CATALOG_CACHE_MB * 2 ** 20 });
  logger.info({ store: 'sqlite', path }, 'using the embedded SQLite store');
  return store;
}
