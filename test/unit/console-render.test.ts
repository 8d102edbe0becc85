import { describe, expect, it } from 'vitest';
import { renderReply } from '../../adapters/console/render.ts';
import { reply, type Action } from '../../src/domain/reply.ts';

const button = (label: string, command: string, options: Action['invoke']['options']): Action => ({ label, style: 'secondary', invoke: { command, options } });

describe('console rendering of buttons', () => {
  it('given a row of star buttons, then one line with the varying option as a placeholder', () => {
    const stars = [1, 2, 3, 4, 5].map((n) => button(`${n}★`, 'rate', { course: '1', stars: n }));
    expect(renderReply(reply({ visibility: 'ephemeral', actions: [stars] }))).toBe('\n[1★] [2★] [3★] [4★] [5★] → /rate course:1 <stars>');
  });

  it('given short labels for different commands (as in Chinese), then each button is its own command line', () => {
    const row = [button('报名', 'enroll', { course: '1' }), button('编辑', 'course.edit', { course: '1' })];
    expect(renderReply(reply({ visibility: 'public', actions: [row] }))).toBe('\n[报名] → /enroll course:1\n[编辑] → /course edit course:1');
  });

  it('given option values with spaces or quotes, then the printed command parses back to the same values', () => {
    const out = renderReply(reply({ visibility: 'public', actions: [[button('Next ▶', 'courses', { query: 'async "rust"', page: 2 })]] }));
    expect(out).toBe('\n[Next ▶] → /courses query:"async \\"rust\\"" page:2');
  });
});
