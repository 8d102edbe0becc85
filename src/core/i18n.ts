import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n as I18nInstance, type Resource } from 'i18next';
import { LOCALES, type Locale } from '../domain/model.ts';
import type { MessageVars } from '../domain/errors.ts';
import { compileMessages, type CompiledMessages } from './compiled-messages.ts';

export const DEFAULT_LOCALE: Locale = 'en';

/** Translates `namespace:key` for one locale; all user-facing text goes through one of these. */
export interface Translator {
  readonly locale: Locale;
  t(key: string, vars?: MessageVars): string;
  /** Whether the catalog has this key (for optional texts such as per-option help). */
  has(key: string): boolean;
  number(value: number, fractionDigits?: number): string;
  /** A ratio (0.5) as a percentage (`50.0%`) in the locale's own way. */
  percent(ratio: number, fractionDigits?: number): string;
  /** A date and time in the given IANA time zone (default UTC). */
  dateTime(value: Date, timeZone?: string): string;
}

export interface MessageCatalog {
  /** `commandPrefix` names commands as a surface types them (`/sb-courses` on a prefixed Slack). */
  translator(locale: Locale, commandPrefix?: string): Translator;
  /** Every locale's text for a key, for platforms that take localisations up front (Discord). */
  allLocales(key: string, vars?: MessageVars): Record<Locale, string>;
}

/** Maps a platform or POSIX locale (`zh_CN.UTF-8`, `zh-TW`, `en-US`) to a supported one. */
export function matchLocale(raw: string | null | undefined): Locale | undefined {
  if (!raw) return undefined;
  const tag = raw.split('.')[0]!.replace('_', '-').toLowerCase();
  if (tag === '' || tag === 'c' || tag === 'posix') return undefined;
  if (tag.startsWith('zh')) return 'zh-CN';
  if (tag.startsWith('en')) return 'en';
  return undefined;
}

/** The first candidate that maps to a supported locale, else English. */
export function resolveLocale(...candidates: (string | null | undefined)[]): Locale {
  for (const candidate of candidates) {
    const locale = matchLocale(candidate);
    if (locale) return locale;
  }
  return DEFAULT_LOCALE;
}

/** The `locales/` folder beside package.json, found from here both under tsx and in `dist/`. */
export function findLocalesDir(start = dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    const candidate = join(dir, 'locales');
    if (existsSync(join(candidate, DEFAULT_LOCALE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`No locales/ folder found above ${start}; reinstall Syllabot.`);
    dir = parent;
  }
}

export function loadResources(dir = findLocalesDir()): Resource {
  const resources: Resource = {};
  for (const locale of LOCALES) {
    const bundle: Record<string, Record<string, unknown>> = {};
    for (const file of readdirSync(join(dir, locale))) {
      if (!file.endsWith('.json')) continue;
      bundle[file.slice(0, -'.json'.length)] = JSON.parse(readFileSync(join(dir, locale, file), 'utf8')) as Record<string, unknown>;
    }
    resources[locale] = bundle;
  }
  return resources;
}

/** The variable every command mention in the catalog carries: `/{{cmdPrefix}}courses`. */
export const COMMAND_PREFIX_VAR = 'cmdPrefix';

/**
 * Rewrites each `/name` of a top-level command in the catalog's own texts (never in the values
 * interpolated into them, which may be user text) so a translator can give it a prefix.
 */
export function withCommandPrefixes(resources: Resource): Resource {
  const names = Object.keys((resources[DEFAULT_LOCALE]?.commands ?? {}) as Record<string, unknown>);
  if (names.length === 0) return resources;
  const mention = new RegExp(`(?<![\\w/:.])/(${names.join('|')})(?![\\w-])`, 'g');
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace(mention, `/{{${COMMAND_PREFIX_VAR}}}$1`);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewrite(v)]));
    return value;
  };
  return rewrite(resources) as Resource;
}

/**
 * The i18next instance behind a catalog. Exported so tests can compare the compiled messages
 * with plain i18next configured exactly the same way.
 */
export function createI18next(resources: Resource = loadResources()): I18nInstance {
  const instance: I18nInstance = i18next.createInstance();
  void instance.init({
    initAsync: false,
    resources: withCommandPrefixes(resources),
    lng: DEFAULT_LOCALE,
    fallbackLng: DEFAULT_LOCALE,
    supportedLngs: [...LOCALES],
    // Every JSON file under locales/<locale>/ is a namespace (common, commands, errors, …).
    ns: [...new Set(Object.values(resources).flatMap((bundle) => Object.keys(bundle)))],
    defaultNS: 'common',
    // Replies are plain text that adapters escape for their own markup; HTML-escaping here
    // would show `&amp;` on every platform.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  return instance;
}

/** Plain i18next's answer for what `translator(locale, commandPrefix).t(key, vars)` returns. */
export function plainTranslate(instance: I18nInstance, locale: Locale, commandPrefix: string, key: string, vars?: Readonly<Record<string, unknown>>): string {
  return instance.getFixedT(locale)(key, { ...vars, [COMMAND_PREFIX_VAR]: commandPrefix });
}

export function createMessageCatalog(resources: Resource = loadResources()): MessageCatalog {
  const instance = createI18next(resources);
  const cache = new Map<string, Translator>();
  // One per locale, shared by every command prefix (the prefix is just another variable).
  const compiled = new Map<Locale, CompiledMessages>();
  const translator = (locale: Locale, commandPrefix = ''): Translator => {
    let existing = cache.get(`${locale}|${commandPrefix}`);
    if (existing) return existing;
    let messages = compiled.get(locale);
    if (!messages) {
      messages = compileMessages(instance, locale, COMMAND_PREFIX_VAR);
      compiled.set(locale, messages);
    }
    const known = new Map<string, boolean>();
    const numberFormats = new Map<number, Intl.NumberFormat>();
    const percentFormats = new Map<number, Intl.NumberFormat>();
    const dateFormats = new Map<string, Intl.DateTimeFormat>();
    existing = {
      locale,
      t: (key, vars) => messages.t(key, vars, commandPrefix),
      has(key) {
        let answer = known.get(key);
        if (answer === undefined) {
          answer = instance.exists(key, { lng: locale, fallbackLng: false });
          // Keys come from code; the bound only matters if one were ever built from input.
          if (known.size >= 1024) known.clear();
          known.set(key, answer);
        }
        return answer;
      },
      number(value, fractionDigits = 0) {
        let format = numberFormats.get(fractionDigits);
        if (!format) {
          format = new Intl.NumberFormat(locale, { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
          numberFormats.set(fractionDigits, format);
        }
        return format.format(value);
      },
      percent(ratio, fractionDigits = 0) {
        let format = percentFormats.get(fractionDigits);
        if (!format) {
          format = new Intl.NumberFormat(locale, { style: 'percent', minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
          percentFormats.set(fractionDigits, format);
        }
        return format.format(ratio);
      },
      dateTime(value, timeZone = 'UTC') {
        // Building an Intl.DateTimeFormat costs ~50x formatting with one, so keep one per zone.
        let format = dateFormats.get(timeZone);
        if (!format) {
          format = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone });
          dateFormats.set(timeZone, format);
        }
        return format.format(value);
      },
    };
    cache.set(`${locale}|${commandPrefix}`, existing);
    return existing;
  };
  return {
    translator,
    allLocales: (key, vars) =>
      Object.fromEntries(LOCALES.map((locale) => [locale, translator(locale).t(key, vars)])) as Record<Locale, string>,
  };
}
