import type { Community, CommunityRef, CommunitySettings, Member } from '../../domain/model.ts';
import type { CommunityStore } from '../../ports/store/index.ts';
import { WriteRefusedError } from '../../domain/errors.ts';
import { SqlitePart } from './connection.ts';
import { toCommunity, toMember, type CommunityRow, type MemberRow } from './rows.ts';

export class SqliteCommunityStore extends SqlitePart implements CommunityStore {
  findCommunity(ref: CommunityRef): Promise<Community | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM communities WHERE platform = ? AND external_id = ?').get(ref.platform, ref.externalId) as CommunityRow | undefined;
      return row ? toCommunity(row) : null;
    });
  }

  upsertCommunity(ref: CommunityRef, name: string): Promise<Community> {
    return this.guard(() => {
      const row = this.sql(
        `INSERT INTO communities (platform, external_id, name, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (platform, external_id) DO UPDATE SET name = excluded.name
         RETURNING *`,
      ).get(ref.platform, ref.externalId, name, Date.now()) as CommunityRow;
      return toCommunity(row);
    });
  }

  getCommunity(communityId: string): Promise<Community | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM communities WHERE id = ?').get(Number(communityId)) as CommunityRow | undefined;
      return row ? toCommunity(row) : null;
    });
  }

  updateCommunitySettings(communityId: string, patch: Partial<CommunitySettings>): Promise<Community> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const row = this.sql('SELECT * FROM communities WHERE id = ?').get(Number(communityId)) as CommunityRow | undefined;
          if (!row) throw new WriteRefusedError('community-not-found', `community ${communityId} does not exist`);
          const settings = { ...(JSON.parse(row.settings) as CommunitySettings), ...patch };
          for (const key of Object.keys(settings) as (keyof CommunitySettings)[]) {
            if (settings[key] === undefined) delete settings[key];
          }
          const updated = this.sql('UPDATE communities SET settings = ? WHERE id = ? RETURNING *').get(JSON.stringify(settings), row.id) as CommunityRow;
          return toCommunity(updated);
        })
        .immediate(),
    );
  }

  listCommunities(): Promise<Community[]> {
    return this.guard(() => (this.sql('SELECT * FROM communities ORDER BY id').all() as CommunityRow[]).map(toCommunity));
  }

  upsertMember(communityId: string, externalId: string, displayName: string): Promise<Member> {
    return this.guard(() => {
      const existing = this.sql('SELECT * FROM members WHERE community_id = ? AND external_id = ?').get(Number(communityId), externalId) as MemberRow | undefined;
      // Reads are the common case: only write when the member is new or renamed.
      if (existing && existing.display_name === displayName) return toMember(existing);
      if (!existing && this.sql('SELECT 1 FROM communities WHERE id = ?').get(Number(communityId)) === undefined) {
        throw new WriteRefusedError('community-not-found', `community ${communityId} does not exist`);
      }
      const row = this.sql(
        `INSERT INTO members (community_id, external_id, display_name, joined_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (community_id, external_id) DO UPDATE SET display_name = excluded.display_name
         RETURNING *`,
      ).get(Number(communityId), externalId, displayName, Date.now()) as MemberRow;
      return toMember(row);
    });
  }

  getMember(communityId: string, memberId: string): Promise<Member | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM members WHERE community_id = ? AND id = ?').get(Number(communityId), Number(memberId)) as MemberRow | undefined;
      return row ? toMember(row) : null;
    });
  }

  findMember(communityId: string, externalId: string): Promise<Member | null> {
    return this.guard(() => {
      const row = this.sql('SELECT * FROM members WHERE community_id = ? AND external_id = ?').get(Number(communityId), externalId) as MemberRow | undefined;
      return row ? toMember(row) : null;
    });
  }

  setRemindersEnabled(communityId: string, memberId: string, enabled: boolean): Promise<void> {
    return this.guard(() => {
      this.sql('UPDATE members SET reminders_enabled = ? WHERE community_id = ? AND id = ?').run(enabled ? 1 : 0, Number(communityId), Number(memberId));
    });
  }

  countMembers(communityId: string): Promise<number> {
    return this.guard(() => this.sql('SELECT count(*) FROM members WHERE community_id = ?').pluck().get(Number(communityId)) as number);
  }
}
