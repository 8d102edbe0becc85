import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fit, safeText } from '../../adapters/shared/text.ts';
import { InFlight, within } from '../../adapters/shared/timing.ts';
import { clip } from '../../src/domain/limits.ts';
import { COMMAND_ID, CommandRegistry, defineCommand, OPTION_NAME } from '../../src/core/command.ts';
import { option } from '../../src/core/options.ts';
import { newErrorId } from '../../src/core/error-id.ts';
import { reply } from '../../src/domain/reply.ts';
import { ALL_COMMANDS } from '../../commands/index.ts';
import { escapeText as discordEscape } from '../../adapters/discord/escape.ts';
import { escapeText as slackEscape } from '../../adapters/slack/text.ts';
import { renderReply as consoleRender } from '../../adapters/console/render.ts';

const entitySafe = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('safeText: the one text-safety rule of every adapter', () => {
  it('given ANSI colour and cursor sequences, then they are removed whole', () => {
    expect(safeText('\u001b[31mred\u001b[0m \u001b[2J\u001b[Hhome \u009b31mcsi')).toBe('red home csi');
  });

  it('given C0 and C1 control characters, then they go but tab and newline stay', () => {
    expect(safeText('a\u0000b\u0007c\u007fd\u0085e\tf\ng\rh')).toBe('abcde\tf\ngh');
  });

  it('given bidi overrides, isolates and marks, then every one is removed', () => {
    const bidi = '\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c';
    expect(safeText(`pay${bidi}lap.exe`)).toBe('paylap.exe');
  });

  it('given ordinary text in any script, then it is unchanged', () => {
    expect(safeText('Rust 入门 🦀 — «ok» & <b>')).toBe('Rust 入门 🦀 — «ok» & <b>');
  });

  it('given hostile text, when Discord, Slack and the console render it, then no control is kept', () => {
    const hostile = 'x\u001b[31my\u202ez\u0007';
    for (const out of [discordEscape(hostile), slackEscape(hostile), consoleRender(reply({ visibility: 'public', body: [hostile] }))]) {
      expect(out).toBe('xyz');
    }
  });
});

describe('clip: the one way text is shortened', () => {
  it('given text within the limit, then it is returned as it is', () => {
    expect(clip('short', 10)).toBe('short');
    expect(fit('short', 5)).toBe('short');
  });

  it('given an emoji at the cut, when counted in UTF-16 units, then no half of a surrogate pair is left', () => {
    expect(fit('ab🦀🦀🦀', 4)).toBe('ab…');
    expect(fit('😀😀😀😀', 5)).toBe('😀😀…');
  });

  it('given code points as the unit, then an emoji or a Chinese character counts as one', () => {
    expect(clip('入门🦀abc', 4)).toBe('入门🦀…');
    expect(clip('入门🦀a', 4)).toBe('入门🦀a');
  });

  it('given no ellipsis, then the cut is unmarked and as long as fits', () => {
    expect(fit('abcdef', 4, { ellipsis: '' })).toBe('abcd');
    expect(fit('ab🦀', 3, { ellipsis: '' })).toBe('ab');
  });

  it('given an escape, then the limit holds after escaping and no escape is cut in half', () => {
    expect(fit('&&&&&&&&&&', 12, { escape: entitySafe })).toBe('&amp;&amp;…');
    expect(fit('a<b', 10, { escape: entitySafe })).toBe('a&lt;b');
  });

  it('given a limit below the ellipsis, then nothing is left rather than too much', () => {
    expect(fit('abc', 0)).toBe('');
  });

  it('given any text and limit, then the result fits, keeps code points whole and starts the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.integer({ min: 1, max: 70 }), (text, max) => {
        const out = fit(text, max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
        const kept = out.endsWith('…') && out !== text ? out.slice(0, -1) : out;
        expect(text.startsWith(kept)).toBe(true);
        const points = clip(text, max);
        expect([...points].length).toBeLessThanOrEqual(max);
      }),
    );
  });
});

describe('within and InFlight: deadlines and draining on stop', () => {
  it('given work that finishes in time, when raced, then its result comes back', async () => {
    expect(await within(Promise.resolve(42), 1000)).toBe(42);
  });

  it('given work slower than the deadline, when raced, then undefined comes back and the work goes on', async () => {
    let finished = false;
    const slow = new Promise<string>((resolve) => setTimeout(() => resolve('late'), 50)).then((v) => ((finished = true), v));
    expect(await within(slow, 5)).toBeUndefined();
    expect(await slow).toBe('late');
    expect(finished).toBe(true);
  });

  it('given work started while waiting, when idle() is awaited, then it waits for that work too', async () => {
    const inFlight = new InFlight();
    const order: string[] = [];
    let releaseFirst!: () => void;
    void inFlight.run(
      () =>
        new Promise<void>((resolve) => {
          releaseFirst = () => {
            order.push('first');
            void inFlight.run(async () => {
              order.push('second');
            });
            resolve();
          };
        }),
    );
    const idle = inFlight.idle().then(() => order.push('idle'));
    expect(inFlight.size).toBe(1);
    releaseFirst();
    await idle;
    expect(order).toEqual(['first', 'second', 'idle']);
    expect(inFlight.size).toBe(0);
  });

  it('given stuck work, when drained with a deadline, then drain returns and the work is still counted', async () => {
    const inFlight = new InFlight();
    void inFlight.run(() => new Promise<void>(() => {}));
    await inFlight.drain(10);
    expect(inFlight.size).toBe(1);
  });

  it('given failing work, when drained, then drain resolves and forgets it', async () => {
    const inFlight = new InFlight();
    inFlight.run(() => Promise.reject(new Error('boom'))).catch(() => undefined);
    await inFlight.drain(1000);
    expect(inFlight.size).toBe(0);
  });
});

describe('ids: declared once in the core', () => {
  it('given every declared command, then its id and option names match the one grammar', () => {
    for (const command of ALL_COMMANDS) {
      expect(command.id).toMatch(COMMAND_ID);
      for (const name of Object.keys(command.options)) expect(name).toMatch(OPTION_NAME);
    }
  });

  it('given a command whose id or option breaks the grammar, when registered, then the registry refuses it', () => {
    const run = async () => reply({ visibility: 'ephemeral' });
    const badId = defineCommand({ name: 'Bad', permission: 'member', access: 'read', options: {}, run });
    const badOption = defineCommand({ name: 'ok', permission: 'member', access: 'read', options: { 'two-words': option.string({ maxLength: 10 }).optional() }, run });
    expect(() => new CommandRegistry([badId])).toThrow(/does not match/);
    expect(() => new CommandRegistry([badOption])).toThrow(/two-words/);
    expect('course.add').toMatch(COMMAND_ID);
    expect('my_cmd').toMatch(COMMAND_ID);
    expect('course.add.more').not.toMatch(COMMAND_ID);
  });

  it('given two error ids, then each is eight hex digits and they differ', () => {
    const [a, b] = [newErrorId(), newErrorId()];
    expect(a).toMatch(/^[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});

describe('command declarations: what adapters read instead of knowing commands', () => {
  const run = async () => reply({ visibility: 'ephemeral' });

  it('given no answer declared, then the answer counts as personal; a declared one is kept', () => {
    const quiet = defineCommand({ name: 'quiet', permission: 'member', access: 'read', options: {}, run });
    const loud = defineCommand({ name: 'loud', permission: 'member', access: 'read', answer: 'public', options: {}, run });
    expect([quiet.answer, loud.answer]).toEqual(['personal', 'public']);
  });

  it('given home views declared out of order, then the registry lists them by their order', () => {
    const second = defineCommand({ name: 'second', permission: 'member', access: 'read', home: { order: 2, options: { sort: 'top' } }, options: {}, run });
    const none = defineCommand({ name: 'none', permission: 'member', access: 'read', options: {}, run });
    const first = defineCommand({ name: 'first', permission: 'member', access: 'read', home: { order: 1 }, options: {}, run });
    const registry = new CommandRegistry([second, none, first]);
    expect(registry.homeViews().map((c) => [c.id, c.home?.options])).toEqual([
      ['first', undefined],
      ['second', { sort: 'top' }],
    ]);
  });

  it('given the shipped commands, then the home view shows my courses first; home commands read', () => {
    const registry = new CommandRegistry(ALL_COMMANDS);
    expect(registry.homeViews()[0]?.id).toBe('mycourses');
    for (const command of registry.homeViews()) expect(command.access).toBe('read');
  });
});
