import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandRegistry } from '../../commands/index.ts';
import { charLength, LIMITS } from '../../src/domain/limits.ts';
import type { CommandResult } from '../../src/core/router.ts';
import { dumpStore, openCore, replyText, requestFor, run, type CoreHarness, type Who } from './support/core-harness.ts';

const mod: Who = { platform: 'discord', community: '42', member: 'mod', moderator: true };
const zhMod: Who = { ...mod, locale: 'zh-CN' };

/** The limit each text option must carry, by option name. */
const EXPECTED_MAX: Record<string, number> = {
  title: LIMITS.titleLength,
  description: LIMITS.descriptionLength,
  review: LIMITS.reviewLength,
  url: LIMITS.urlLength,
  query: LIMITS.queryLength,
  course: LIMITS.courseRefLength,
};

interface FieldCase {
  field: string;
  command: string;
  /** Other options the command needs. */
  base: Record<string, string | number>;
  max: number;
  /** A value of n characters; non-ASCII where it matters, so characters and bytes differ. */
  value(n: number): string;
  /** `ok` when a value at the limit succeeds outright. */
  atLimit: 'ok';
}

const han = (n: number) => '课'.repeat(n);
const crab = (n: number) => '🦀'.repeat(n);
const CASES: FieldCase[] = [
  { field: 'title', command: 'course.add', base: {}, max: LIMITS.titleLength, value: han, atLimit: 'ok' },
  { field: 'title', command: 'course.edit', base: { course: '1' }, max: LIMITS.titleLength, value: crab, atLimit: 'ok' },
  { field: 'description', command: 'course.add', base: { title: 'Described' }, max: LIMITS.descriptionLength, value: han, atLimit: 'ok' },
  { field: 'review', command: 'rate', base: { course: '1', stars: 4 }, max: LIMITS.reviewLength, value: crab, atLimit: 'ok' },
  { field: 'url', command: 'course.add', base: { title: 'Linked' }, max: LIMITS.urlLength, value: (n) => `https://example.com/${'é'.repeat(n - 20)}`, atLimit: 'ok' },
  { field: 'query', command: 'courses', base: {}, max: LIMITS.queryLength, value: han, atLimit: 'ok' },
  { field: 'tags', command: 'course.add', base: { title: 'Tagged' }, max: LIMITS.tagLength, value: han, atLimit: 'ok' },
];

describe('Limits on every text field and list', () => {
  let h: CoreHarness;
  beforeEach(async () => {
    h = openCore();
    expect((await run(h.core, mod, '/course add "First course"')).outcome).toBe('ok');
    expect((await run(h.core, mod, '/enroll 1')).outcome).toBe('ok');
  });
  afterEach(async () => h.dispose());

  const structured = (who: Who, command: string, options: Record<string, unknown>) =>
    h.core.router.handle(requestFor(who, { kind: 'structured', command, options }));
  const quote = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;
  const line = (c: FieldCase, value: string) =>
    `/${c.command.replace('.', ' ')} ${Object.entries({ ...c.base, [c.field]: value })
      .map(([k, v]) => `${k}:${quote(String(v))}`)
      .join(' ')}`;

  it('given every command, when its options are declared, then every text option is bounded by LIMITS', () => {
    const unbounded: string[] = [];
    const mismatched: string[] = [];
    for (const command of createCommandRegistry().list()) {
      for (const [name, spec] of Object.entries(command.options)) {
        if (spec.kind !== 'string' && spec.kind !== 'course') continue;
        if (spec.choices) continue;
        if (spec.list) {
          if (spec.list.maxItems !== LIMITS.tagCount) mismatched.push(`${command.id}.${name}: ${spec.list.maxItems} items`);
          continue;
        }
        if (spec.maxLength === undefined) unbounded.push(`${command.id}.${name}`);
        else if (name in EXPECTED_MAX && spec.maxLength !== EXPECTED_MAX[name]) mismatched.push(`${command.id}.${name}: ${spec.maxLength}`);
      }
    }
    expect(unbounded).toEqual([]);
    expect(mismatched).toEqual([]);
  });

  for (const c of CASES) {
    for (const via of ['Discord options', 'a typed line'] as const) {
      it(`given ${c.command} ${c.field} via ${via}, when ${c.max} chars then ok, when ${c.max + 1} refused`, async () => {
        const send = (value: string): Promise<CommandResult> => {
          const v = c.field === 'tags' ? `${value}, second` : value;
          return via === 'Discord options' ? structured(mod, c.command, { ...c.base, [c.field]: v }) : run(h.core, mod, line(c, v));
        };
        const exact = c.value(c.max);
        expect(charLength(exact)).toBe(c.max);
        expect(Buffer.byteLength(exact)).toBeGreaterThan(c.max);

        const before = dumpStore(h.store);
        const refused = await send(c.value(c.max + 1));
        expect(refused.outcome).toBe('user-error');
        expect(replyText(refused.reply)).toContain(`at most ${c.max} characters`);
        expect(dumpStore(h.store)).toBe(before);

        const accepted = await send(exact);
        expect(accepted.outcome, replyText(accepted.reply)).toBe(c.atLimit);
      });
    }
  }

  it('given a 121-character Chinese title, when refused in Chinese, then the reply states the limit too', async () => {
    const refused = await structured(zhMod, 'course.add', { title: han(121) });
    expect(refused.outcome).toBe('user-error');
    expect(replyText(refused.reply)).toContain(`最多 ${LIMITS.titleLength} 个字符`);
  });

  it('given a 120-character Chinese title, when added, then it is stored whole', async () => {
    const added = await run(h.core, mod, `/course add "${han(120)}"`);
    expect(added.outcome).toBe('ok');
    expect((await h.store.getCourseByNumber((await h.store.findCommunity({ platform: 'discord', externalId: '42' }))!.id, 2))?.title).toBe(han(120));
  });

  it('given a 10,000-character title, when sent as an option or typed, then refused with the limit', async () => {
    const before = dumpStore(h.store);
    const typed = await run(h.core, mod, `/course add "${'x'.repeat(10_000)}"`);
    expect(typed.outcome).toBe('user-error');
    expect(replyText(typed.reply)).toContain(`at most ${LIMITS.commandLineLength} characters`);
    const option = await structured(mod, 'course.add', { title: 'x'.repeat(10_000) });
    expect(option.outcome).toBe('user-error');
    expect(replyText(option.reply)).toContain(`at most ${LIMITS.titleLength} characters`);
    expect(dumpStore(h.store)).toBe(before);
  });

  it(`given more than ${LIMITS.tagCount} tags, when sent, then refused with the count, no change`, async () => {
    const tags = (n: number) => Array.from({ length: n }, (_, i) => `标签${i}`);
    const before = dumpStore(h.store);
    for (const result of [
      await run(h.core, mod, `/course add Tagged tags:"${tags(LIMITS.tagCount + 1).join(',')}"`),
      await structured(mod, 'course.add', { title: 'Tagged', tags: tags(LIMITS.tagCount + 1).join('，') }),
      await structured(mod, 'course.add', { title: 'Tagged', tags: tags(LIMITS.tagCount + 1) }),
    ]) {
      expect(result.outcome).toBe('user-error');
      expect(replyText(result.reply)).toContain(`at most ${LIMITS.tagCount} items`);
    }
    expect(dumpStore(h.store)).toBe(before);
    expect((await run(h.core, mod, `/course add Tagged tags:"${tags(LIMITS.tagCount).join(',')}"`)).outcome).toBe('ok');
  });

  it('given a 121-character course reference, when enrolling, then it is refused with its limit', async () => {
    const result = await structured(mod, 'enroll', { course: han(LIMITS.courseRefLength + 1) });
    expect(result.outcome).toBe('user-error');
    expect(replyText(result.reply)).toContain(`at most ${LIMITS.courseRefLength} characters`);
    expect((await run(h.core, mod, `/course add "${han(LIMITS.courseRefLength)}"`)).outcome).toBe('ok');
    expect((await structured(mod, 'enroll', { course: han(LIMITS.courseRefLength) })).outcome).toBe('ok');
  });

  it('given a line of 3,000 emoji, when typed, then the line limit counts characters', async () => {
    // Regression: the line limit used to count UTF-16 units, refusing this 3,009-character line.
    const result = await run(h.core, mod, `/courses ${crab(3000)}`);
    expect(result.outcome).toBe('user-error');
    expect(replyText(result.reply)).toContain(`query can be at most ${LIMITS.queryLength} characters`);
    const over = await run(h.core, mod, `/courses ${'课'.repeat(LIMITS.commandLineLength)}`);
    expect(replyText(over.reply)).toContain(`at most ${LIMITS.commandLineLength} characters`);
    expect(replyText(over.reply)).toMatch(/command is too long/);
  });

  it('given a 10,000-character display and community name, when a member acts, then both are cut', async () => {
    const result = await h.core.router.handle({
      ...requestFor({ platform: 'slack', community: 'T9', member: 'U9' }, { kind: 'line', line: '/courses' }),
      community: { platform: 'slack', externalId: 'T9', name: '群'.repeat(10_000) },
      actor: { externalId: 'U9', displayName: '名'.repeat(10_000), isModerator: false },
    });
    expect(result.outcome).toBe('ok');
    const community = (await h.store.findCommunity({ platform: 'slack', externalId: 'T9' }))!;
    const displayName = h.store.database.prepare("SELECT display_name FROM members WHERE external_id = 'U9'").pluck().get() as string;
    expect(charLength(community.name)).toBe(LIMITS.displayNameLength);
    expect(charLength(displayName)).toBe(LIMITS.displayNameLength);
  });
});
