import type { CatalogSnapshot } from './catalog-snapshot.ts';

/** Default memory bound of the catalog cache (CATALOG_CACHE_MB). */
export const DEFAULT_CATALOG_CACHE_BYTES = 64 * 2 ** 20;

interface Slot {
  snapshot: CatalogSnapshot;
  /** What the snapshot was read at (a per-community version on MongoDB; unused on SQLite). */
  version: unknown;
  /** Bytes counted for it when last accounted. */
  bytes: number;
}

/**
 * Snapshots by community, least recently used evicted first once their estimated size passes
 * `maxBytes`. A community whose catalog alone is bigger than the bound is not kept at all (its
 * reads go to the store). Freshness is the stores' business (see SqliteCatalog, MongoCatalog).
 */
export class CatalogCache {
  private readonly slots = new Map<string, Slot>();
  private bytes = 0;

  constructor(readonly maxBytes: number = DEFAULT_CATALOG_CACHE_BYTES) {}

  get(communityId: string): { snapshot: CatalogSnapshot; version: unknown } | undefined {
    const slot = this.slots.get(communityId);
    if (!slot) return undefined;
    // Map order is insertion order: moving the slot to the end marks it most recently used.
    this.slots.delete(communityId);
    this.slots.set(communityId, slot);
    return slot;
  }

  set(communityId: string, snapshot: CatalogSnapshot, version?: unknown): void {
    this.delete(communityId);
    if (snapshot.bytes > this.maxBytes) return;
    this.slots.set(communityId, { snapshot, version, bytes: snapshot.bytes });
    this.bytes += snapshot.bytes;
    this.evict();
  }

  /** Recounts a snapshot's size after it changed in place. */
  account(communityId: string): void {
    const slot = this.slots.get(communityId);
    if (!slot) return;
    this.bytes += slot.snapshot.bytes - slot.bytes;
    slot.bytes = slot.snapshot.bytes;
    if (slot.bytes > this.maxBytes) this.delete(communityId);
    else this.evict();
  }

  delete(communityId: string): void {
    const slot = this.slots.get(communityId);
    if (!slot) return;
    this.slots.delete(communityId);
    this.bytes -= slot.bytes;
  }

  clear(): void {
    this.slots.clear();
    this.bytes = 0;
  }

  stats(): { communities: number; bytes: number } {
    return { communities: this.slots.size, bytes: this.bytes };
  }

  private evict(): void {
    for (const [communityId] of this.slots) {
      if (this.bytes <= this.maxBytes) return;
      this.delete(communityId);
    }
  }
}
