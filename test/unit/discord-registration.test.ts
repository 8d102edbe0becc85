import { describe, expect, it } from 'vitest';
import type { APIApplicationCommandBasicOption, APIApplicationCommandOption } from 'discord.js';
import { buildCommandPayloads, type CommandPayload } from '../../adapters/discord/registration.ts';
import { createCommandRegistry } from '../../commands/index.ts';
import { createMessageCatalog, loadResources } from '../../src/core/i18n.ts';

const catalog = createMessageCatalog();
const payloads = buildCommandPayloads(createCommandRegistry(), catalog);
const byName = (name: string): CommandPayload => payloads.find((p) => p.name === name)!;
const optionOf = (options: APIApplicationCommandOption[] | undefined, name: string) => options!.find((o) => o.name === name)! as APIApplicationCommandBasicOption & Record<string, unknown>;

/** Discord's per-command limit: names, descriptions, choice names and values together. */
function characterCount(payload: CommandPayload): number {
  const walk = (o: { name: string; description?: string; options?: unknown[]; choices?: { name: string; value: unknown }[] }): number =>
    o.name.length +
    (o.description?.length ?? 0) +
    (o.choices ?? []).reduce((n, c) => n + c.name.length + String(c.value).length, 0) +
    ((o.options ?? []) as (typeof o)[]).reduce((n, child) => n + walk(child), 0);
  return walk(payload as Parameters<typeof walk>[0]);
}

describe('Discord command registration payloads', () => {
  it('given the registry, when registered, then one command per top-level name; groups hold subcommands', () => {
    expect(payloads.map((p) => p.name)).toEqual(createCommandRegistry().topLevelNames());
    expect(payloads.every((p) => p.type === 1)).toBe(true);
    const course = byName('course');
    expect(course.options!.map((o) => [o.name, o.type])).toEqual([
      ['add', 1],
      ['edit', 1],
      ['archive', 1],
      ['unarchive', 1],
      ['show', 1],
    ]);
  });

  it('given option declarations, when registered, then types, limits, choices and autocomplete follow them', () => {
    const courses = byName('courses');
    expect(optionOf(courses.options, 'query')).toMatchObject({ type: 3, required: false, max_length: 100 });
    expect(optionOf(courses.options, 'page')).toMatchObject({ type: 4, min_value: 1, max_value: 10_000 });
    const sort = optionOf(courses.options, 'sort');
    expect(sort.type).toBe(3);
    expect(sort.choices).toEqual([
      { name: 'top: best rated first', value: 'top', name_localizations: { 'zh-CN': 'top: 评分最高在前' } },
      { name: 'new: newest first', value: 'new', name_localizations: { 'zh-CN': 'new: 最新在前' } },
    ]);
    expect(sort).not.toHaveProperty('autocomplete');

    const rate = byName('rate');
    expect(optionOf(rate.options, 'course')).toMatchObject({ type: 3, required: true, autocomplete: true, max_length: 120 });
    expect(optionOf(rate.options, 'stars')).toMatchObject({ type: 4, required: true, min_value: 1, max_value: 5 });
    expect(optionOf(rate.options, 'review')).toMatchObject({ type: 3, required: false, max_length: 500 });

    const add = byName('course').options!.find((o) => o.name === 'add') as { options: APIApplicationCommandOption[] };
    expect(optionOf(add.options, 'value')).toMatchObject({ type: 10, min_value: 0.1, max_value: 1000 });
    expect(optionOf(add.options, 'url')).toMatchObject({ type: 3, max_length: 300 });
  });

  it('given a form command, when registered, then form fields are optional and other requirements stay', () => {
    const group = byName('course').options! as unknown as { name: string; options: APIApplicationCommandBasicOption[] }[];
    const add = group.find((o) => o.name === 'add')!;
    expect(add.options.every((o) => !o.required)).toBe(true);
    const edit = group.find((o) => o.name === 'edit')!;
    expect(edit.options.filter((o) => o.required).map((o) => o.name)).toEqual(['course']);
  });

  it('given any command, when registered, then required options come before optional ones', () => {
    const lists = payloads.flatMap((p) =>
      p.options?.some((o) => o.type === 1) ? (p.options as unknown as { options: APIApplicationCommandBasicOption[] }[]).map((s) => s.options) : [(p.options ?? []) as APIApplicationCommandBasicOption[]],
    );
    for (const options of lists) {
      const firstOptional = options.findIndex((o) => !o.required);
      if (firstOptional >= 0) expect(options.slice(firstOptional).some((o) => o.required)).toBe(false);
    }
  });

  it('given moderator commands, then Manage Server is required only when all are for moderators', () => {
    const registry = createCommandRegistry();
    expect(byName('course').default_member_permissions).toBe('32');
    expect(byName('courses').default_member_permissions).toBeNull();
    for (const payload of payloads) {
      const members = registry.isGroup(payload.name) ? registry.subcommands(payload.name) : [registry.get(payload.name)!];
      expect(payload.default_member_permissions).toBe(members.every((c) => c.permission === 'moderator') ? '32' : null);
      expect(payload.contexts).toEqual([0]);
      expect(payload.integration_types).toEqual([0]);
    }
  });

  it('given the catalog, when registered, then descriptions are English ≤100 chars with zh-CN', () => {
    expect(byName('enroll')).toMatchObject({ description: 'Enroll in a course', description_localizations: { 'zh-CN': '报名一门课程' } });
    const visit = (o: { description?: string; description_localizations?: Record<string, string> | null; options?: unknown[] }) => {
      expect(o.description!.length).toBeGreaterThan(0);
      expect(o.description!.length).toBeLessThanOrEqual(100);
      expect(o.description_localizations?.['zh-CN']?.length ?? 0).toBeGreaterThan(0);
      expect(o.description_localizations!['zh-CN']!.length).toBeLessThanOrEqual(100);
      for (const child of (o.options ?? []) as (typeof o)[]) visit(child);
    };
    for (const payload of payloads) visit(payload as Parameters<typeof visit>[0]);
  });

  it('given Discord limits, when registered, then valid names, < 25 options and 4,000 chars', () => {
    for (const payload of payloads) {
      expect(payload.name).toMatch(/^[-_a-z0-9]{1,32}$/);
      expect(payload.options!.length).toBeLessThanOrEqual(25);
      expect(characterCount(payload)).toBeLessThan(4000);
    }
    expect(payloads.length).toBeLessThanOrEqual(100);
  });

  it('given a translated command name, then name_localizations carries it; an invalid one is left out', () => {
    const resources = loadResources();
    const zh = resources['zh-CN']!;
    zh.discord = { ...(zh.discord as object), commandNames: { courses: '课程', rate: '评 分' }, optionNames: { query: '关键词' } };
    const localized = buildCommandPayloads(createCommandRegistry(), createMessageCatalog(resources));
    const courses = localized.find((p) => p.name === 'courses')!;
    expect(courses.name_localizations).toEqual({ 'zh-CN': '课程' });
    expect(optionOf(courses.options, 'query').name_localizations).toEqual({ 'zh-CN': '关键词' });
    // A space is not allowed in a Discord name, so the translation is not sent.
    expect(localized.find((p) => p.name === 'rate')!.name_localizations).toBeUndefined();
    // The shipped catalog keeps English names in every language (the help texts say /enroll).
    expect(byName('courses').name_localizations).toBeUndefined();
  });
});
