import { LOCALES, PLATFORMS, type Community, type CommunitySettings, type Course, type Enrollment, type Member, type Platform, type ScoreSnapshot } from '../../domain/model.ts';
import type { Installation } from '../../ports/store/index.ts';
import type { CatalogEntry } from '../catalog/catalog-snapshot.ts';
import type { CatalogVersion } from '../catalog/versioned-catalog.ts';
import type { CommunityDoc, CourseDoc, EnrollmentDoc, InstallationDoc, Lean, MemberDoc, ScoreSnapshotDoc } from './models.ts';

/** Lean documents to domain records: ids become hex strings, nothing mongoose-shaped leaks out. */

export function toCommunity(doc: Lean<CommunityDoc>): Community {
  if (!(PLATFORMS as readonly string[]).includes(doc.platform)) throw new Error(`community ${doc._id.toHexString()} has an unknown platform`);
  return {
    id: doc._id.toHexString(),
    platform: doc.platform as Platform,
    externalId: doc.externalId,
    name: doc.name,
    settings: toSettings(doc.settings),
    createdAt: doc.createdAt,
    ...(doc.removedAt ? { removedAt: doc.removedAt } : {}),
  };
}

/**
 * Settings are stored schemaless; only well-formed keys come back, so a hand-edited document
 * cannot hand the core a locale it does not have or a half digest.
 */
export function toSettings(raw: unknown): CommunitySettings {
  const settings: CommunitySettings = {};
  if (typeof raw !== 'object' || raw === null) return settings;
  const { locale, digest } = raw as Record<string, unknown>;
  if (typeof locale === 'string' && (LOCALES as readonly string[]).includes(locale)) settings.locale = locale as CommunitySettings['locale'];
  if (typeof digest === 'object' && digest !== null) {
    const { channelId, schedule, timezone } = digest as Record<string, unknown>;
    if (typeof channelId === 'string' && typeof schedule === 'string' && typeof timezone === 'string') settings.digest = { channelId, schedule, timezone };
  }
  const accessUrl = (raw as { accessUrl?: unknown }).accessUrl;
  if (typeof accessUrl === 'string' && /^https?:\/\//i.test(accessUrl)) settings.accessUrl = accessUrl;
  return settings;
}

export function toMember(doc: Lean<MemberDoc>): Member {
  return {
    id: doc._id.toHexString(),
    communityId: doc.communityId.toHexString(),
    externalId: doc.externalId,
    displayName: doc.displayName,
    remindersEnabled: doc.remindersEnabled !== false,
    joinedAt: doc.joinedAt,
  };
}

export function toCourse(doc: Lean<CourseDoc>): Course {
  return {
    id: doc._id.toHexString(),
    communityId: doc.communityId.toHexString(),
    number: doc.number,
    title: doc.title,
    description: doc.description ?? '',
    url: doc.url ?? null,
    tags: [...(doc.tags ?? [])],
    value: doc.value,
    startsAt: doc.startsAt ?? null,
    archived: doc.archived === true,
    createdAt: doc.createdAt,
    ratingCount: doc.ratingCount ?? 0,
    ratingSum: doc.ratingSum ?? 0,
    enrolledCount: doc.enrolledCount ?? 0,
  };
}

/** A course as the in-memory catalog holds it: the course and the search text `listCourses` matches. */
export function toCatalogEntry(doc: Lean<CourseDoc>): CatalogEntry {
  // A course without the search copy matches no search text, in the store as here.
  return { course: toCourse(doc), search: typeof doc.searchText === 'string' ? doc.searchText : '' };
}

/** A community's stored catalog version as a token; '' for a community no write has marked yet. */
export function versionToken(stored: unknown): CatalogVersion {
  return stored === undefined || stored === null ? '' : String(stored);
}

export function toEnrollment(doc: EnrollmentDoc): Enrollment {
  return {
    communityId: doc.communityId.toHexString(),
    memberId: doc.memberId.toHexString(),
    courseId: doc.courseId.toHexString(),
    enrolledAt: doc.enrolledAt,
  };
}

export function toScoreSnapshot(doc: Lean<ScoreSnapshotDoc>): ScoreSnapshot {
  return {
    communityId: doc.communityId.toHexString(),
    takenAt: doc.takenAt,
    score: doc.score,
    satisfaction: doc.satisfaction,
    coverage: doc.coverage,
    memberCount: doc.memberCount,
    courseCount: doc.courseCount,
  };
}

export function toInstallation(doc: Lean<InstallationDoc>): Installation {
  if (!(PLATFORMS as readonly string[]).includes(doc.platform)) throw new Error(`installation ${doc._id.toHexString()} has an unknown platform`);
  return {
    platform: doc.platform as Platform,
    externalId: doc.externalId,
    sealed: binaryBytes(doc.sealed),
    name: doc.name,
    botUserId: doc.botUserId ?? null,
    scopes: [...doc.scopes],
    installedAt: doc.installedAt,
  };
}

/** A lean read returns BSON Binary for a Buffer path; hydrated documents return a Buffer. */
function binaryBytes(raw: unknown): Uint8Array {
  if (raw instanceof Uint8Array) return raw;
  if (typeof raw === 'object' && raw !== null && typeof (raw as { value?: unknown }).value === 'function') return (raw as { value(): Uint8Array }).value();
  throw new Error('installation secret is not binary data');
}
