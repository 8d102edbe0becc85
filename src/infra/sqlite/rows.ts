import type { Community, CommunitySettings, Course, Member } from '../../domain/model.ts';
import type { Installation } from '../../ports/store/index.ts';

/** Rows as better-sqlite3 returns them, and their mapping to the domain's shapes. */

export interface CommunityRow {
  id: number;
  platform: string;
  external_id: string;
  name: string;
  settings: string;
  created_at: number;
  removed_at: number | null;
}
export interface MemberRow {
  id: number;
  community_id: number;
  external_id: string;
  display_name: string;
  reminders_enabled: number;
  joined_at: number;
}
export interface CourseRow {
  id: number;
  community_id: number;
  number: number;
  title: string;
  description: string;
  url: string | null;
  tags: string;
  value: number;
  starts_at: number | null;
  archived: number;
  created_at: number;
  rating_count: number;
  rating_sum: number;
  enrolled_count: number;
}
export interface InstallationRow {
  platform: string;
  external_id: string;
  sealed: Buffer;
  name: string;
  bot_user_id: string | null;
  scopes: string;
  installed_at: number;
}

export const COURSE_COLUMNS = 'id, community_id, number, title, description, url, tags, value, starts_at, archived, created_at, rating_count, rating_sum, enrolled_count';

export function toCommunity(row: CommunityRow): Community {
  return {
    id: String(row.id),
    platform: row.platform as Community['platform'],
    externalId: row.external_id,
    name: row.name,
    settings: JSON.parse(row.settings) as CommunitySettings,
    createdAt: new Date(row.created_at),
    ...(row.removed_at === null ? {} : { removedAt: new Date(row.removed_at) }),
  };
}

export function toInstallation(row: InstallationRow): Installation {
  return {
    platform: row.platform as Installation['platform'],
    externalId: row.external_id,
    sealed: row.sealed,
    name: row.name,
    botUserId: row.bot_user_id,
    scopes: JSON.parse(row.scopes) as string[],
    installedAt: new Date(row.installed_at),
  };
}

export function toMember(row: MemberRow): Member {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    externalId: row.external_id,
    displayName: row.display_name,
    remindersEnabled: row.reminders_enabled === 1,
    joinedAt: new Date(row.joined_at),
  };
}

export function toCourse(row: CourseRow): Course {
  return {
    id: String(row.id),
    communityId: String(row.community_id),
    number: row.number,
    title: row.title,
    description: row.description,
    url: row.url,
    tags: JSON.parse(row.tags) as string[],
    value: row.value,
    startsAt: row.starts_at === null ? null : new Date(row.starts_at),
    archived: row.archived === 1,
    createdAt: new Date(row.created_at),
    ratingCount: row.rating_count,
    ratingSum: row.rating_sum,
    enrolledCount: row.enrolled_count,
  };
}
