import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Resource } from 'i18next';
import { COMMAND_PREFIX_VAR, createI18next, createMessageCatalog, loadResources, plainTranslate } from '../../src/core/i18n.ts';
import { compileMessages } from '../../src/core/compiled-messages.ts';
import { LOCALES, type Locale } from '../../src/domain/model.ts';

type Tree = { [key: string]: unknown };
const PLURAL = /_(zero|one|two|few|many|other)$/;
const TOKEN = /{{(.+?)}}/g;

/** `ns:path` of every string in the resources, with plural suffixes kept and also stripped. */
function keysOf(resources: Resource): Map<string, Set<string>> {
  const keys = new Map<string, Set<string>>();
  const walk = (ns: string, tree: Tree, prefix: string) => {
    for (const [name, value] of Object.entries(tree)) {
      const path = prefix ? `${prefix}.${name}` : name;
      if (typeof value === 'string') {
        const names = [...value.matchAll(TOKEN)].map((m) => m[1]!.split(',')[0]!.trim());
        for (const key of [`${ns}:${path}`, `${ns}:${path.replace(PLURAL, '')}`]) {
          keys.set(key, new Set([...(keys.get(key) ?? []), ...names]));
        }
      } else if (value && typeof value === 'object') {
        walk(ns, value as Tree, path);
      }
    }
  };
  for (const bundle of Object.values(resources)) {
    for (const [ns, tree] of Object.entries(bundle)) walk(ns, tree as Tree, '');
  }
  return keys;
}

/** Counts that land in every plural category of en and zh-CN, zero's own lookup, and non-integers. */
const COUNTS = [undefined, 0, 1, 2, 3, 5, 11, 21, 100, 1_234_567, 1.5, -1, Number.NaN, '7'];
const PREFIXES = ['', 'sb-'];
/** Values that would expose a difference: template syntax and nesting inside values, odd types. */
const HOSTILE = ['{{course}}', '$t(common:usage)', '$t(common:usage, {"usage": "x"})', 'a/b & <c> "d"', '', '{{- x}}', '中文 ★'];

/** What a call gave: its text, or the error it threw (plain i18next throws on some option values). */
function outcome(run: () => string): { text: string } | { threw: string } {
  try {
    return { text: run() };
  } catch (error) {
    return { threw: error instanceof Error ? error.message : String(error) };
  }
}

const resources = loadResources();
const catalog = createMessageCatalog(resources);
const reference = createI18next(resources);
const keys = keysOf(resources);

describe('compiled messages', () => {
  it('given the real catalog, when every template is compiled, then none is handed back to i18next', () => {
    // Otherwise the equivalence below could pass while the fast path never ran.
    const instance = createI18next(resources);
    for (const locale of LOCALES) {
      const messages = compileMessages(instance, locale, COMMAND_PREFIX_VAR);
      for (const key of keys.keys()) messages.t(key, { count: 2 }, '');
      expect(messages.stats().delegated, locale).toBe(0);
      expect(messages.stats().compiled, locale).toBeGreaterThan(keys.size / 2);
    }
  });

  it('given every key, locale, plural form and prefix, when translated, then the text equals plain i18next', () => {
    let compared = 0;
    for (const locale of LOCALES) {
      for (const prefix of PREFIXES) {
        const i18n = catalog.translator(locale, prefix);
        for (const [key, names] of keys) {
          for (const count of COUNTS) {
            for (const fill of ['named', 'hostile', 'missing', 'undefined', 'null'] as const) {
              const vars: Record<string, unknown> = {};
              let n = 0;
              for (const name of names) {
                if (fill === 'missing') continue;
                vars[name] = fill === 'named' ? `<${name}>` : fill === 'hostile' ? HOSTILE[n++ % HOSTILE.length] : fill === 'null' ? null : undefined;
              }
              if (count !== undefined) vars.count = count;
              const expected = plainTranslate(reference, locale, prefix, key, vars);
              expect(i18n.t(key, vars as Record<string, string | number>), `${locale} ${prefix} ${key} ${String(count)} ${fill}`).toBe(expected);
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(10_000);
  });

  it('given random keys, variables and options, when translated, then it equals plain i18next', () => {
    const names = [...new Set([...keys.values()].flatMap((s) => [...s]))];
    const optionLike = ['context', 'lng', 'locale', 'defaultValue', 'defaultValue_other', 'replace', 'ordinal', 'style', 'ns', 'returnObjects', COMMAND_PREFIX_VAR];
    const value = fc.oneof(
      fc.string(),
      fc.constantFrom(...HOSTILE),
      fc.integer({ min: -5, max: 2_000_000 }),
      fc.double({ noNaN: false }),
      fc.constantFrom(null, undefined, true, 12n),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...LOCALES),
        fc.constantFrom(...PREFIXES),
        fc.oneof(fc.constantFrom(...keys.keys()), fc.constantFrom('errors:nope', 'common:course', 'nope', 'common:course.missing_one')),
        fc.dictionary(fc.constantFrom(...names, ...optionLike, 'count'), value, { maxKeys: 6 }),
        (locale: Locale, prefix, key, vars) => {
          const i18n = catalog.translator(locale, prefix);
          expect(outcome(() => i18n.t(key, vars as Record<string, string | number>))).toEqual(outcome(() => plainTranslate(reference, locale, prefix, key, vars)));
        },
      ),
      { numRuns: 3_000 },
    );
  });

  it('given templates only i18next can render, when translated, then the text still equals plain i18next', () => {
    const odd: Resource = {
      en: {
        common: {
          nested: 'See $t(common:plain) and {{x}}',
          unescaped: 'raw {{- x}} and {{x}}',
          path: 'deep {{a.b}}',
          date: 'at {{x, datetime}}',
          spaced: '{{ x }} and {{  count ,  NUMBER }}',
          plain: 'plain {{x}}',
          fallback_one: 'one {{count}} in en',
          fallback_other: 'many {{count}} in en',
          zeroes_zero: 'none at all',
          zeroes_other: '{{count}} things',
          empty: '',
          object: { a: 'b' },
          reserved: '{{lng}} {{ns}} {{cmdPrefix}}',
        },
      },
      // zh-CN has no `fallback` and falls back to en's plural forms, which depend on en's rules.
      'zh-CN': { common: { plain: '中文 {{x}}', zeroes_other: '{{count}} 个' } },
    };
    const oddCatalog = createMessageCatalog(odd);
    const oddReference = createI18next(odd);
    for (const locale of LOCALES) {
      for (const key of ['nested', 'unescaped', 'path', 'date', 'spaced', 'plain', 'fallback', 'zeroes', 'empty', 'object', 'reserved', 'missing']) {
        for (const count of COUNTS) {
          const vars = { x: 'X', a: { b: 'B' }, ...(count === undefined ? {} : { count }) };
          expect(oddCatalog.translator(locale, 'p-').t(key, vars as unknown as Record<string, string>), `${locale} ${key} ${String(count)}`).toBe(
            plainTranslate(oddReference, locale, 'p-', key, vars),
          );
        }
      }
    }
  });

  it('given more keys than the cache holds, when translated, then memory bounded, text right', () => {
    const instance = createI18next(resources);
    const messages = compileMessages(instance, 'en', COMMAND_PREFIX_VAR);
    for (let i = 0; i < 10_000; i++) messages.t(`errors:generated${i}`, { course: 'x' }, '');
    expect(messages.stats().entries).toBeLessThanOrEqual(4096);
    expect(messages.t('commands:courses.summary', { count: 3, sort: 'top' }, '')).toBe(plainTranslate(reference, 'en', '', 'commands:courses.summary', { count: 3, sort: 'top' }));
  });
});
