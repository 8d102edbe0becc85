/**
 * The domain's records, as every store returns them. Ids are opaque strings so that SQLite
 * row ids and MongoDB ObjectIds look the same to the core.
 */
export const PLATFORMS = ['console', 'discord', 'slack'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];

/** Where a community lives on its platform: a Discord guild, a Slack workspace, a console name. */
export interface CommunityRef {
  platform: Platform;
  externalId: string;
}

export interface CommunitySettings {
  /** Default language for posts to channels and members without a known locale. */
  locale?: Locale;
  digest?: DigestSettings;
  /** Where members get a members-only course's role (a payment page); named in refusals. */
  accessUrl?: string;
}

export interface DigestSettings {
  channelId: string;
  /** Five-field cron expression, evaluated in `timezone`. */
  schedule: string;
  timezone: string;
}

export interface Community extends CommunityRef {
  id: string;
  name: string;
  settings: CommunitySettings;
  createdAt: Date;
  /** Set while the bot is removed from the community (grace period before a purge). */
  removedAt?: Date;
}

export interface Member {
  id: string;
  communityId: string;
  externalId: string;
  displayName: string;
  remindersEnabled: boolean;
  joinedAt: Date;
}

export interface Course {
  id: string;
  communityId: string;
  /** Per-community number users type as `3` or `#3`; never reused. */
  number: number;
  title: string;
  description: string;
  url: string | null;
  tags: string[];
  /** Moderator-set weight V_c in the community score. */
  value: number;
  startsAt: Date | null;
  archived: boolean;
  createdAt: Date;
  /** Denormalised aggregates, kept in step with ratings and enrollments in the same transaction. */
  ratingCount: number;
  ratingSum: number;
  enrolledCount: number;
}

export interface Rating {
  communityId: string;
  memberId: string;
  courseId: string;
  stars: number;
  review: string | null;
  updatedAt: Date;
}

export interface Enrollment {
  communityId: string;
  memberId: string;
  courseId: string;
  enrolledAt: Date;
}

export type StarHistogram = [number, number, number, number, number];

export interface ScoreSnapshot {
  communityId: string;
  takenAt: Date;
  score: number;
  satisfaction: number;
  coverage: number;
  memberCount: number;
  courseCount: number;
}
