import type { Installation, InstallationRef, InstallationStore } from '../../ports/store/index.ts';
import { SqlitePart } from './connection.ts';
import { toInstallation, type InstallationRow } from './rows.ts';

export class SqliteInstallationStore extends SqlitePart implements InstallationStore {
  saveInstallation(i: Installation): Promise<void> {
    return this.guard(() => {
      this.sql(
        `INSERT INTO installations (platform, external_id, sealed, name, bot_user_id, scopes, installed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (platform, external_id) DO UPDATE SET
           sealed = excluded.sealed, name = excluded.name, bot_user_id = excluded.bot_user_id, scopes = excluded.scopes, installed_at = excluded.installed_at`,
      ).run(i.platform, i.externalId, Buffer.from(i.sealed), i.name, i.botUserId, JSON.stringify(i.scopes), i.installedAt.getTime());
    });
  }

  findInstallation(ref: InstallationRef): Promise<Installation | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM installations WHERE platform = ? AND external_id = ?').get(ref.platform, ref.externalId) as InstallationRow | undefined;
      return row ? toInstallation(row) : null;
    });
  }

  deleteInstallation(ref: InstallationRef): Promise<boolean> {
    return this.guard(() => this.sql('DELETE FROM installations WHERE platform = ? AND external_id = ?').run(ref.platform, ref.externalId).changes > 0);
  }
}
