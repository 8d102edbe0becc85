import type { CatalogEntry } from '../catalog/catalog-snapshot.ts';
import type { CatalogVersion, VersionSource } from '../catalog/versioned-catalog.ts';
import { parseObjectId } from './filters.ts';
import { toCatalogEntry, versionToken } from './mapping.ts';
import type { CourseDoc, Lean, Models } from './models.ts';

/**
 * Where the MongoDB store's in-memory catalogs (VersionedCatalog) read from: the version is
 * the community document's `catalogVersion` (one read by `_id`, that field alone), the rows
 * every course of the community in number order (the `course_by_number` index).
 */
export class MongoCatalogSource implements VersionSource {
  constructor(private readonly models: Models) {}

  async version(communityId: string): Promise<CatalogVersion | null> {
    const id = parseObjectId(communityId);
    if (!id) return null;
    const doc = await this.models.Community.findOne({ _id: id }).select({ _id: 0, catalogVersion: 1 }).lean<{ catalogVersion?: unknown }>();
    return doc ? versionToken(doc.catalogVersion) : null;
  }

  async load(communityId: string): Promise<CatalogEntry[]> {
    const id = parseObjectId(communityId);
    if (!id) return [];
    const docs = await this.models.Course.find({ communityId: id }).sort({ number: 1 }).lean<Lean<CourseDoc>[]>();
    return docs.map(toCatalogEntry);
  }
}
