import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CUSTOM_ID_MAX, decodeCustomId, encodeCustomId, encodeInline, inertCustomId, OverflowTable } from '../../adapters/discord/custom-id.ts';

describe('Discord custom_id encoding (version 1)', () => {
  it('given a rating button, when encoded, then a short readable id decodes to the same command', () => {
    const overflow = new OverflowTable();
    const id = encodeCustomId('reply', { command: 'rate', options: { course: '12', stars: 4 } }, overflow);
    expect(id).toBe('1r:rate:course=12;stars=4');
    expect(decodeCustomId(id, overflow)).toEqual({ mode: 'reply', invoke: { command: 'rate', options: { course: '12', stars: '4' } } });
    expect(overflow.size).toBe(0);
  });

  it('given a page turn with a separator-filled query, when round-tripped, then every char survives', () => {
    const overflow = new OverflowTable();
    const query = 'a;b=c%d 100% «中文» 🦀';
    const id = encodeCustomId('update', { command: 'courses', options: { query, sort: 'top', page: 2 } }, overflow);
    expect(id.startsWith('1u:courses:')).toBe(true);
    expect(decodeCustomId(id, overflow)?.invoke.options).toEqual({ query, sort: 'top', page: '2' });
  });

  it('given a subcommand and a modal, when encoded, then the group.sub id and the modal mode are kept', () => {
    const overflow = new OverflowTable();
    const id = encodeCustomId('modal', { command: 'course.edit', options: { course: '3' } }, overflow);
    expect(id).toBe('1m:course.edit:course=3');
    expect(decodeCustomId(id, overflow)).toEqual({ mode: 'modal', invoke: { command: 'course.edit', options: { course: '3' } } });
    expect(decodeCustomId('1m:course.add:', overflow)).toEqual({ mode: 'modal', invoke: { command: 'course.add', options: {} } });
  });

  it('given an invocation over 100 characters, when encoded, then it resolves through the overflow table', () => {
    const overflow = new OverflowTable();
    const invoke = { command: 'courses', options: { query: 'x'.repeat(100), sort: 'new', page: 3 } };
    expect(encodeInline('update', invoke).length).toBeGreaterThan(CUSTOM_ID_MAX);
    const id = encodeCustomId('update', invoke, overflow);
    expect(id.length).toBeLessThanOrEqual(CUSTOM_ID_MAX);
    expect(id).toMatch(/^1u\*/);
    expect(decodeCustomId(id, overflow)).toEqual({ mode: 'update', invoke: { command: 'courses', options: { query: 'x'.repeat(100), sort: 'new', page: '3' } } });
    // After a restart (a fresh table) the button is stale, not misread.
    expect(decodeCustomId(id, new OverflowTable())).toBeNull();
    // The key only works in the mode it was made for.
    expect(decodeCustomId(`1r${id.slice(2)}`, overflow)).toBeNull();
  });

  it('given a full overflow table, when more long ids are made, then the oldest go, table bounded', () => {
    const overflow = new OverflowTable(3);
    const ids = [1, 2, 3, 4].map((n) => encodeCustomId('reply', { command: 'courses', options: { query: `${n}`.repeat(120) } }, overflow));
    expect(overflow.size).toBe(3);
    expect(decodeCustomId(ids[0]!, overflow)).toBeNull();
    expect(decodeCustomId(ids[3]!, overflow)?.invoke.options.query).toBe('4'.repeat(120));
  });

  it.each([
    ['', 'empty'],
    ['2r:rate:course=1', 'unknown version'],
    ['1q:rate:course=1', 'unknown mode'],
    ['1r:rate', 'no option part'],
    ['1r:Rate!:course=1', 'bad command id'],
    ['1r:rate:course', 'option without value'],
    ['1r:rate:course=1;course=2', 'repeated option'],
    ['1r:rate:Course=1', 'bad option name'],
    ['1r:rate:course=%zz', 'bad escape'],
    [`1r:rate:course=${'9'.repeat(100)}`, 'longer than Discord allows'],
  ])('given a forged or stale id %j (%s), when decoded, then it is refused', (id) => {
    expect(decodeCustomId(id, new OverflowTable())).toBeNull();
  });

  it('given disabled pager buttons, when their ids are decoded, then they are inert', () => {
    expect(decodeCustomId(inertCustomId('next'), new OverflowTable())?.mode).toBe('inert');
    expect(inertCustomId('next')).not.toBe(inertCustomId('previous'));
  });

  it('given arbitrary option values, when round-tripped, then they come back, ids ≤ 100 chars', () => {
    const overflow = new OverflowTable();
    let inline = 0;
    fc.assert(
      fc.property(
        fc.record({ course: fc.string({ maxLength: 60 }), review: fc.string({ unit: 'binary', maxLength: 80 }), stars: fc.integer({ min: 1, max: 5 }) }),
        (options) => {
          const id = encodeCustomId('reply', { command: 'rate', options }, overflow);
          expect(id.length).toBeLessThanOrEqual(CUSTOM_ID_MAX);
          if (!id.includes('*')) inline++;
          expect(decodeCustomId(id, overflow)?.invoke.options).toEqual({ course: options.course, review: options.review, stars: String(options.stars) });
        },
      ),
      { numRuns: 500 },
    );
    console.log(`custom_id round trips: 500 tried, ${inline} inline, ${500 - inline} through the overflow table`);
  });
});
