import mongoose, { Types } from 'mongoose';
import type { CommunitySettings } from '../../domain/model.ts';
import type { CourseQuery } from '../../ports/store/index.ts';
import { foldText } from '../text-fold.ts';

/**
 * Query filters, built only from typed values. User text never becomes an operator or a
 * pattern: it is checked to be a string and escaped into a literal regex. The connection also
 * runs with `sanitizeFilter`, so a stray object with `$` keys would be compared with `$eq`, not
 * obeyed; the few operators the store means (`$in`) are marked with `mongoose.trusted`.
 */

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** A store id as an ObjectId, or null for anything that is not one (so lookups find nothing). */
export function parseObjectId(id: unknown): Types.ObjectId | null {
  return typeof id === 'string' && OBJECT_ID.test(id) ? Types.ObjectId.createFromHexString(id) : null;
}

/** Refuses anything but a string where text is expected, whatever the static types claimed. */
export function requireText(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${value === null ? 'null' : typeof value}`);
  return value;
}

/** Whole numbers only: `NaN` or `1.5` as a course number matches nothing instead of erroring. */
export function isWholeNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/**
 * Escapes every regex metacharacter so the text matches itself, in JavaScript and in the
 * server's PCRE alike. NUL cannot travel inside a BSON regex, so it is written as `\x00`.
 */
export function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&').replace(/\0/g, '\\x00');
}

/** Courses whose folded title starts with the folded prefix; anchored, so the title index helps. */
export function titlePrefixPattern(prefix: string): RegExp {
  return new RegExp(`^${escapeRegex(foldText(requireText(prefix, 'title prefix')))}`);
}

/** Search text anywhere in the folded title, description and tags. */
export function searchPattern(text: string): RegExp {
  return new RegExp(escapeRegex(foldText(requireText(text, 'search text'))));
}

/** `{ $in: values }` that sanitizeFilter lets through: the values are ids the store produced. */
export function oneOf(values: readonly Types.ObjectId[]): { $in: Types.ObjectId[] } {
  return mongoose.trusted({ $in: [...values] });
}

/** `{ $gte: date }` that sanitizeFilter lets through; refuses anything but a valid Date. */
export function atOrAfter(date: Date): { $gte: Date } {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new TypeError('expected a valid Date');
  return mongoose.trusted({ $gte: date });
}

export interface CourseListFilter {
  communityId: Types.ObjectId;
  archived?: false;
  searchText?: RegExp;
}

/** The `listCourses` filter, used both by `countDocuments` and by the page pipeline's `$match`. */
export function courseListFilter(communityId: Types.ObjectId, query: Pick<CourseQuery, 'text' | 'includeArchived'>): CourseListFilter {
  const filter: CourseListFilter = { communityId };
  if (!query.includeArchived) filter.archived = false;
  if (query.text !== undefined && requireText(query.text, 'search text') !== '') filter.searchText = searchPattern(query.text);
  return filter;
}

export interface SettingsUpdate {
  $set?: Record<string, unknown>;
  $unset?: Record<string, ''>;
}

const SETTINGS_KEYS = ['locale', 'digest', 'accessUrl'] as const satisfies readonly (keyof CommunitySettings)[];
/** Fails to compile when CommunitySettings gains a key that SETTINGS_KEYS does not list (it would never be saved). */
const EVERY_SETTING: [Exclude<keyof CommunitySettings, (typeof SETTINGS_KEYS)[number]>] extends [never] ? true : never = true;
void EVERY_SETTING;

/**
 * A settings patch as one atomic update: a key set to a value is `$set`, a key present but
 * undefined is `$unset` (cleared). Only known keys, so a patch cannot write arbitrary paths.
 */
export function settingsUpdate(patch: Partial<CommunitySettings>): SettingsUpdate {
  const update: SettingsUpdate = {};
  for (const key of SETTINGS_KEYS) {
    if (!Object.hasOwn(patch, key)) continue;
    const value = patch[key];
    if (value === undefined) (update.$unset ??= {})[`settings.${key}`] = '';
    else (update.$set ??= {})[`settings.${key}`] = value;
  }
  return update;
}
