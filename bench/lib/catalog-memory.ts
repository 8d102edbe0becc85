import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Community } from '../../src/domain/model.ts';
import { DEFAULT_CATALOG_CACHE_BYTES } from '../../src/infra/catalog/catalog-cache.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';

export interface CatalogMemory {
  communities: number;
  /** Heap growth with every catalog cached, per community (measured). */
  bytesPerCommunity: number;
  /** What the cache counts against its bound, per community (its estimate). */
  estimatedBytesPerCommunity: number;
  /** How many such catalogs the default bound (CATALOG_CACHE_MB=64) holds. */
  fitInDefaultBound: number;
  /** Time to read (and so cache) every catalog once. */
  fillMs: number;
}

/**
 * The memory the in-memory course catalogs take: a store on the seeded file with a bound large
 * enough for every community reads each catalog once; the heap is measured after full GCs.
 */
export async function measureCatalogMemory(path: string, communities: readonly Community[]): Promise<CatalogMemory> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const heap = () => {
    gc();
    gc();
    return getHeapStatistics().used_heap_size;
  };
  const store = SqliteStore.open({ path, catalogCacheBytes: 8 * 2 ** 30 });
  try {
    const before = heap();
    const started = performance.now();
    for (const community of communities) await store.activeRatingTotals(community.id);
    const fillMs = performance.now() - started;
    const after = heap();
    const { bytes, communities: cached } = store.catalog!.cache.stats();
    if (cached !== communities.length) throw new Error(`only ${cached} of ${communities.length} catalogs were cached`);
    return {
      communities: cached,
      bytesPerCommunity: Math.round((after - before) / cached),
      estimatedBytesPerCommunity: Math.round(bytes / cached),
      fitInDefaultBound: Math.floor(DEFAULT_CATALOG_CACHE_BYTES / (bytes / cached)),
      fillMs,
    };
  } finally {
    await store.close();
  }
}
