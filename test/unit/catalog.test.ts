import { describe, expect, it } from 'vitest';
import { createMessageCatalog, loadResources, matchLocale, resolveLocale } from '../../src/core/i18n.ts';
import { LOCALES } from '../../src/domain/model.ts';
import { errorMessageKey, UserErrorCode } from '../../src/domain/errors.ts';
import { createCommandRegistry } from '../../commands/index.ts';

type Tree = { [key: string]: string | Tree };

const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Tree, prefix = ''): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === 'string') {
      const base = path.replace(PLURAL, '');
      // `{{count, number}}` is the variable `count` formatted by Intl: the format must match too.
      const vars = [...value.matchAll(/\{\{\s*([\w.]+)\s*(?:,\s*(\w+)\s*)?\}\}/g)].map((m) => (m[2] ? `${m[1]!}, ${m[2]}` : m[1]!));
      out.set(base, [...new Set([...(out.get(base) ?? []), ...vars])].sort());
    } else {
      for (const [k, v] of flatten(value, path)) out.set(k, v);
    }
  }
  return out;
}

const resources = loadResources();
const catalog = createMessageCatalog(resources);
const registry = createCommandRegistry();

describe('message catalog', () => {
  const namespaces = Object.keys(resources.en!);

  it('has the same namespaces in every locale', () => {
    for (const locale of LOCALES) expect(Object.keys(resources[locale]!).sort()).toEqual([...namespaces].sort());
  });

  for (const ns of namespaces) {
    it(`namespace ${ns}: every key exists in en and zh-CN with the same interpolation variables`, () => {
      const en = flatten(resources.en![ns] as Tree);
      const zh = flatten(resources['zh-CN']![ns] as Tree);
      expect([...zh.keys()].sort()).toEqual([...en.keys()].sort());
      for (const [key, vars] of en) expect({ key, vars: zh.get(key) }).toEqual({ key, vars });
    });
  }

  it('describes every command and option in every locale, within Discord’s 100 characters', () => {
    for (const locale of LOCALES) {
      const i18n = catalog.translator(locale);
      for (const command of registry.list()) {
        const keys = [`commands:${command.id}.description`, ...Object.keys(command.options).map((o) => `commands:${command.id}.options.${o}`)];
        for (const key of keys) {
          expect(i18n.has(key), `${locale} ${key}`).toBe(true);
          expect(i18n.t(key).length, `${locale} ${key}`).toBeLessThanOrEqual(100);
        }
        for (const field of command.form ?? []) expect(i18n.has(`common:field.${field}`), `${locale} field ${field}`).toBe(true);
        if (command.form) expect(i18n.has(`commands:${command.id}.formTitle`)).toBe(true);
      }
    }
  });

  it('has a message for every user error code in every locale', () => {
    for (const locale of LOCALES) {
      const i18n = catalog.translator(locale);
      for (const code of Object.values(UserErrorCode)) expect(i18n.has(errorMessageKey(code)), `${locale} ${errorMessageKey(code)}`).toBe(true);
    }
  });

  it('pluralises in English and formats numbers per locale', () => {
    const en = catalog.translator('en');
    expect(en.t('common:course.rating', { average: '4.00', count: 1 })).toBe('★ 4.00 (1 rating)');
    expect(en.t('common:course.rating', { average: '4.00', count: 2 })).toBe('★ 4.00 (2 ratings)');
    expect(catalog.translator('zh-CN').t('common:course.rating', { average: '4.00', count: 1 })).toBe('★ 4.00（1 个评分）');
    expect(en.number(1234.5, 2)).toBe('1,234.50');
  });
});

describe('command names in the catalog', () => {
  it('given a surface with a command prefix, then the catalog uses it; values stay as given', () => {
    const prefixed = catalog.translator('en', 'sb-');
    expect(prefixed.t('commands:enroll.rateHint', { number: 3 })).toBe('Rate it any time with /sb-rate 3 <1-5>.');
    expect(prefixed.t('errors:courseNotFound', { ref: '/rate' })).toBe('No course matches “/rate”. See /sb-courses for numbers and titles.');
    expect(catalog.translator('zh-CN', 'sb-').t('commands:enroll.rateHint', { number: 3 })).toBe('随时可以用 /sb-rate 3 <1-5> 评分。');
    expect(catalog.translator('en').t('commands:enroll.rateHint', { number: 3 })).toBe('Rate it any time with /rate 3 <1-5>.');
  });
});

describe('locale resolution', () => {
  it('maps platform and POSIX locales to supported ones', () => {
    expect(matchLocale('zh_CN.UTF-8')).toBe('zh-CN');
    expect(matchLocale('zh-TW')).toBe('zh-CN');
    expect(matchLocale('en-US')).toBe('en');
    expect(matchLocale('C.UTF-8')).toBeUndefined();
    expect(matchLocale('fr')).toBeUndefined();
  });

  it('takes the first supported candidate, else English', () => {
    expect(resolveLocale(undefined, 'fr', 'zh-CN')).toBe('zh-CN');
    expect(resolveLocale('en-GB', 'zh-CN')).toBe('en');
    expect(resolveLocale(undefined, null, 'de')).toBe('en');
  });
});
