import type { i18n as I18nInstance } from 'i18next';

/**
 * i18next's `t()` costs 18-50 µs a call (key parsing, fallback walk, two regex passes, nesting
 * scan, a formatter cache keyed by JSON-serialising every option) and a `/courses` page makes
 * ~40 calls. This resolves each key and plural form through i18next once, compiles the template
 * it found into literal and variable parts, and afterwards only concatenates. Anything the
 * compiled path does not reproduce exactly (nesting, unescaped or dotted variables, formats
 * other than `number`, options such as `context` passed as variables) is handed back to
 * i18next, so the output is the same string for every input; test/unit/i18n-compiled.test.ts
 * proves it for every key, locale and plural form.
 */

/** One template: literal text and the variables between it. */
interface Compiled {
  /** Literal text; `parts.length === tokens.length + 1`. */
  readonly parts: readonly string[];
  readonly tokens: readonly Token[];
  readonly formats: boolean;
}

interface Token {
  /** The variable's name (`count`). */
  readonly name: string;
  /** The text i18next matched (`{{count, number}}`), kept when the variable is missing. */
  readonly raw: string;
  /** i18next's own-property test for a missing variable uses the whole trimmed match. */
  readonly matched: string;
  readonly number: boolean;
}

/** Resolved once but not compilable: i18next renders it on every call. */
const DELEGATE = Symbol('delegate');
type Entry = Compiled | typeof DELEGATE;

/** Options of `t()` (and of fixedT) that change resolution or interpolation when passed as variables (`count` is handled apart). */
const TRANSLATION_OPTIONS = new Set([
  'appendNamespaceToCIMode', 'applyPostProcessor', 'context', 'defaultValue', 'fallbackLng', 'formatParams',
  'interpolation', 'joinArrays', 'keyPrefix', 'keySeparator', 'lng', 'lngs', 'missingInterpolationHandler',
  'missingKeyNoValueFallbackToKey', 'nest', 'ns', 'nsSeparator', 'ordinal', 'postProcess', 'replace', 'returnDetails',
  'returnObjects', 'skipInterpolation', 'i18nResolved', '__proto__',
]);
/**
 * i18next hands every variable to `Intl.NumberFormat` as an option (and `locale` picks the
 * format's language), so these only matter for templates with a `number` format.
 */
const FORMAT_OPTIONS = new Set([
  'locale', 'localeMatcher', 'numberingSystem', 'style', 'currency', 'currencyDisplay', 'currencySign', 'unit',
  'unitDisplay', 'notation', 'compactDisplay', 'useGrouping', 'signDisplay', 'minimumIntegerDigits',
  'minimumFractionDigits', 'maximumFractionDigits', 'minimumSignificantDigits', 'maximumSignificantDigits',
  'roundingIncrement', 'roundingMode', 'roundingPriority', 'trailingZeroDisplay',
]);
/** Variables that fixedT itself puts beside the caller's. */
const FIXED_T_DATA = new Set(['lng', 'lngs', 'ns', 'keyPrefix']);
const SIMPLE_NAME = /^[A-Za-z_$][\w$]*$/;
const TOKEN = /{{(.+?)}}/g;
/** Entries per locale; the catalog has a few hundred keys, so this only trips on keys built from input. */
const MAX_ENTRIES = 4096;
/** Plural categories of small whole counts, per locale. */
const CATEGORY_CACHE = 1024;

/** i18next's Translator.resolve, which `t()` calls first; not in its type declarations. */
interface Resolver {
  resolve(key: string, options: Record<string, unknown>): { res?: unknown } | undefined;
}
interface LanguageUtils {
  toResolveHierarchy(code: string): string[];
}

export interface CompiledMessages {
  /** The same string as `fixedT(key, { ...vars, [prefixVar]: prefix })`. */
  t(key: string, vars: Readonly<Record<string, unknown>> | undefined, prefix: string): string;
  /** Cached resolutions, and how many compiled or were left to i18next (for tests). */
  stats(): { entries: number; compiled: number; delegated: number };
}

export function compileMessages(instance: I18nInstance, locale: string, prefixVar: string): CompiledMessages {
  const fixed = instance.getFixedT(locale);
  const internals = instance as unknown as { translator?: Partial<Resolver>; services?: { languageUtils?: Partial<LanguageUtils> } };
  const translator = internals.translator;
  const hierarchy = internals.services?.languageUtils?.toResolveHierarchy?.(locale);
  const slow = (key: string, vars: Readonly<Record<string, unknown>> | undefined, prefix: string) => fixed(key, { ...vars, [prefixVar]: prefix });
  // An i18next whose internals moved: stay correct, only slower.
  if (typeof translator?.resolve !== 'function' || !hierarchy || hierarchy.length === 0) {
    return { t: slow, stats: () => ({ entries: 0, compiled: 0, delegated: 0 }) };
  }
  const resolver = translator as Resolver;
  const rules = hierarchy.map((code) => new Intl.PluralRules(code.replace(/_/g, '-'), { type: 'cardinal' }));
  const numberFormat = new Intl.NumberFormat(locale.replace(/_/g, '-'), {});
  const entries = new Map<string, Entry>();
  const smallCounts: (string | undefined)[] = [];

  /** Which plural forms i18next would look up for this count, in every language it falls back through. */
  const pluralKey = (count: number): string => {
    const small = Number.isInteger(count) && count >= 0 && count < CATEGORY_CACHE;
    if (small) {
      const known = smallCounts[count];
      if (known !== undefined) return known;
    }
    let key = count === 0 ? '0' : '';
    for (const rule of rules) key += `|${rule.select(count)}`;
    if (small) smallCounts[count] = key;
    return key;
  };

  const entryFor = (key: string, count: number | undefined): Entry => {
    const cacheKey = count === undefined ? key : `${key}\u0000${pluralKey(count)}`;
    let entry = entries.get(cacheKey);
    if (entry === undefined) {
      const found = resolver.resolve(key, count === undefined ? { lng: locale } : { lng: locale, count })?.res;
      entry = typeof found === 'string' && found !== '' ? (compile(found) ?? DELEGATE) : DELEGATE;
      if (entries.size >= MAX_ENTRIES) entries.clear();
      entries.set(cacheKey, entry);
    }
    return entry;
  };

  return {
    t(key, vars, prefix) {
      let count: number | undefined;
      let formatSensitive = false;
      if (vars !== undefined) {
        for (const name in vars) {
          if (name === 'count') continue;
          if (TRANSLATION_OPTIONS.has(name) || name.startsWith('defaultValue')) return slow(key, vars, prefix);
          if (FORMAT_OPTIONS.has(name)) formatSensitive = true;
        }
        const given = vars.count;
        // i18next resolves plural forms for any count that is not a string.
        if (typeof given === 'number') count = given;
        else if (given !== undefined && typeof given !== 'string') return slow(key, vars, prefix);
      }
      const entry = entryFor(key, count);
      if (entry === DELEGATE || (formatSensitive && entry.formats)) return slow(key, vars, prefix);
      let out = entry.parts[0]!;
      for (let i = 0; i < entry.tokens.length; i++) {
        out += render(entry.tokens[i]!, vars, prefix) + entry.parts[i + 1]!;
      }
      return out;
    },
    stats() {
      const delegated = [...entries.values()].filter((entry) => entry === DELEGATE).length;
      return { entries: entries.size, compiled: entries.size - delegated, delegated };
    },
  };

  function render(token: Token, vars: Readonly<Record<string, unknown>> | undefined, prefix: string): string {
    let value = token.name === prefixVar ? prefix : vars !== undefined && hasOwn(vars, token.name) ? vars[token.name] : undefined;
    if (token.number && value !== undefined && value !== null) {
      try {
        value = numberFormat.format(value as number);
      } catch {
        // i18next logs the formatter's error and interpolates the raw value.
      }
    }
    if (value === undefined) {
      // i18next blanks a variable passed as undefined (its test looks for the whole trimmed
      // match, so `{{count, number}}` never counts as passed) and leaves a missing one as written.
      return vars !== undefined && hasOwn(vars, token.matched) ? '' : token.raw;
    }
    return value === null ? '' : String(value);
  }
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** Null when the template needs something only i18next does (nesting, `{{- x}}`, paths, other formats). */
function compile(template: string): Compiled | null {
  if (template.includes('$t(') || template.includes('{{-')) return null;
  const parts: string[] = [];
  const tokens: Token[] = [];
  let last = 0;
  let formats = false;
  for (const match of template.matchAll(TOKEN)) {
    const matched = match[1]!.trim();
    const comma = matched.indexOf(',');
    const name = (comma === -1 ? matched : matched.slice(0, comma)).trim();
    const format = comma === -1 ? '' : matched.slice(comma + 1).trim();
    if (!SIMPLE_NAME.test(name) || FIXED_T_DATA.has(name) || TRANSLATION_OPTIONS.has(name)) return null;
    if (format !== '' && format.toLowerCase() !== 'number') return null;
    formats ||= format !== '';
    parts.push(template.slice(last, match.index));
    tokens.push({ name, raw: match[0], matched, number: format !== '' });
    last = match.index + match[0].length;
  }
  if (tokens.length >= 1000) return null;
  parts.push(template.slice(last));
  return { parts, tokens, formats };
}
