import type { Installation, InstallationRef, InstallationStore } from '../../ports/store/index.ts';
import { retryOnDuplicateKey } from './errors.ts';
import { requireText } from './filters.ts';
import { toInstallation } from './mapping.ts';
import type { InstallationDoc, Lean } from './models.ts';
import { MongoPart } from './part.ts';

export class MongoInstallationStore extends MongoPart implements InstallationStore {
  saveInstallation(i: Installation): Promise<void> {
    return this.guard(async () => {
      const doc: InstallationDoc = {
        platform: i.platform,
        externalId: requireText(i.externalId, 'installation id'),
        sealed: Buffer.from(i.sealed),
        name: i.name,
        botUserId: i.botUserId,
        scopes: i.scopes,
        installedAt: i.installedAt,
      };
      // Two processes saving the same workspace at once: the loser of the unique index retries as an update.
      await retryOnDuplicateKey(() => this.models.Installation.replaceOne({ platform: requireText(i.platform, 'platform'), externalId: doc.externalId }, doc, { upsert: true }));
    });
  }

  findInstallation(ref: InstallationRef): Promise<Installation | null> {
    return this.guard(async () => {
      const doc = await this.models.Installation.findOne({ platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'installation id') }).lean<Lean<InstallationDoc>>();
      return doc ? toInstallation(doc) : null;
    });
  }

  deleteInstallation(ref: InstallationRef): Promise<boolean> {
    return this.guard(async () => {
      const result = await this.models.Installation.deleteOne({ platform: requireText(ref.platform, 'platform'), externalId: requireText(ref.externalId, 'installation id') });
      return result.deletedCount > 0;
    });
  }
}
