import type { CatalogCache } from './catalog-cache.ts';
import { CatalogSnapshot, type CatalogEntry } from './catalog-snapshot.ts';

/**
 * A community's catalog version as the store holds it: a token that every write changing the
 * community's courses replaces, after (or atomically with) its course writes. Tokens are
 * compared for equality only, so a version that went back (a restored backup) or a token from
 * a write that was rolled back never matches a snapshot it does not describe.
 */
export type CatalogVersion = string;

/** Where the versions and rows come from (MongoCatalogSource; a fake in the unit tests). */
export interface VersionSource {
  /** The community's version as stored now; null when the community does not exist. */
  version(communityId: string): Promise<CatalogVersion | null>;
  /** Every course of the community, archived too, each with its stored search text. */
  load(communityId: string): Promise<CatalogEntry[]>;
}

/**
 * What one of this process's writes did to a community's version: the token it replaced and the
 * one it wrote. `courses` are the courses the write changed as they are after it, when the
 * write can vouch for them: it ran in one transaction with the version change, so `before` is
 * the version immediately before it and `courses` the state at `after`. Otherwise null.
 */
export interface CatalogChange {
  communityId: string;
  before: CatalogVersion;
  after: CatalogVersion;
  courses: CatalogEntry[] | null;
}

/**
 * Catalog snapshots kept exact by a per-community version that every process can read (the
 * MongoDB store's): each read asks for the version first, then serves the snapshot cached at
 * that version, or loads the rows and caches them at that version.
 *
 * Why reading the version before the rows is enough: a write changes the version after its
 * course writes (or with them, atomically). If a read saw a write's version, it saw it before
 * loading, so the rows it loads include the write. A write whose version it did not see may or
 * may not be in the rows, but the snapshot is kept at the older version, which the next read
 * finds replaced. So a snapshot can be newer than its version, never older, and a read returns
 * every write that finished before it began.
 *
 * This process's own writes advance a cached snapshot in place when they can vouch for it (see
 * CatalogChange), so a process writing alone keeps its catalogs; anything else only drops the
 * snapshot, and the next read loads it again.
 */
export class VersionedCatalog {
  /** Loads under way, by community: reads that find the same version share one. */
  private readonly loading = new Map<string, { version: CatalogVersion; snapshot: Promise<CatalogSnapshot> }>();

  constructor(
    readonly cache: CatalogCache,
    private readonly source: VersionSource,
  ) {}

  /**
   * The community's catalog as of some moment during this call; undefined when the community
   * does not exist (the caller asks the store, which answers for a missing community).
   */
  async snapshot(communityId: string): Promise<CatalogSnapshot | undefined> {
    const version = await this.source.version(communityId);
    if (version === null) {
      this.cache.delete(communityId);
      return undefined;
    }
    const cached = this.cache.get(communityId);
    if (cached && cached.version === version) return cached.snapshot;
    // A load that read this same version is as good as one of our own (the argument above holds
    // for it), so concurrent misses load once.
    const pending = this.loading.get(communityId);
    if (pending && pending.version === version) return pending.snapshot;
    const load = { version, snapshot: this.source.load(communityId).then((entries) => new CatalogSnapshot(entries)) };
    this.loading.set(communityId, load);
    try {
      const snapshot = await load.snapshot;
      // A slower load may replace a newer snapshot here; the next read finds the version moved
      // on and loads again, so that costs a load, never a stale answer.
      this.cache.set(communityId, snapshot, version);
      return snapshot;
    } finally {
      if (this.loading.get(communityId) === load) this.loading.delete(communityId);
    }
  }

  /** After one of this process's writes returned (committed): advances or drops the community's snapshot. */
  applied(change: CatalogChange): void {
    const cached = this.cache.get(change.communityId);
    if (!cached || cached.version === change.after) return;
    if (change.courses && cached.version === change.before) {
      for (const entry of change.courses) cached.snapshot.put(entry.course.id, entry);
      this.cache.set(change.communityId, cached.snapshot, change.after);
      return;
    }
    this.cache.delete(change.communityId);
  }

  /** Drops a community's snapshot (the community was deleted). */
  forget(communityId: string): void {
    this.cache.delete(communityId);
  }
}
