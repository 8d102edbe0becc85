import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { renderForm, renderHome, renderReply, renderTexts, type RenderTexts } from '../../adapters/slack/render.ts';
import { decodeInvocation } from '../../adapters/slack/invocation.ts';
import { createMessageCatalog } from '../../src/core/i18n.ts';
import { reply, type Action, type Reply } from '../../src/domain/reply.ts';
import { blockKitProblems, controlSequences, viewProblems } from '../fakes/slack/block-kit.ts';
import { allText, buttonsIn, headerText } from '../fakes/slack/blocks.ts';

const texts: RenderTexts = renderTexts(createMessageCatalog().translator('en'));
const HOSTILE = ['<!channel>', '<!here>', '<!everyone>', '<@U123>', '<#C123|general>', '<https://evil.example|bank>', '<!subteam^S1|@team>', 'a & b', '&lt;!channel&gt;'];
const act = (label: string, command = 'enroll', options: Record<string, string | number> = { course: '1' }): Action => ({ label, style: 'primary', invoke: { command, options } });

describe('Reply → Block Kit: escaping (issue 9)', () => {
  it('given hostile text in every slot of a reply, then no Slack control survives; all escaped', () => {
    for (const evil of HOSTILE) {
      const out = renderReply(
        reply({
          visibility: 'public',
          title: evil,
          body: [evil],
          fields: [{ label: evil, value: evil, inline: true }, { label: evil, value: evil }],
          sections: [{ title: evil, lines: [evil], fields: [{ label: evil, value: evil }], actions: [act(evil)] }],
          actions: [[act(evil), act(`${evil}2`)]],
          footer: evil,
        }),
        texts,
      );
      expect(controlSequences(out), evil).toEqual([]);
      expect(blockKitProblems(out.blocks, 'message'), evil).toEqual([]);
      const escaped = evil.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
      expect(headerText(out)).toBe(escaped);
      expect(out.text.startsWith(escaped)).toBe(true);
      expect(allText(out).split(escaped).length - 1).toBeGreaterThanOrEqual(9);
    }
  });

  it('given a line that is only a web address, then it links to itself; a disguised link stays text', () => {
    const out = renderReply(reply({ visibility: 'public', body: ['https://example.com/a?x=1&y=2', 'see <https://evil.example|bank>', 'https://evil.example|bank'] }), texts);
    const text = allText(out);
    expect(text).toContain('<https://example.com/a?x=1&amp;y=2>');
    expect(text).toContain('see &lt;https://evil.example|bank&gt;');
    expect(text).toContain('https://evil.example|bank');
    expect(controlSequences(out)).toEqual([]);
  });

  it('marks every mrkdwn text verbatim, so Slack does not turn @channel or #general words into mentions', () => {
    const out = renderReply(reply({ visibility: 'public', body: ['@channel #general'], footer: '@here' }), texts);
    const mrkdwn = JSON.stringify(out.blocks).match(/"type":"mrkdwn"[^}]*/g) ?? [];
    expect(mrkdwn.length).toBeGreaterThan(0);
    for (const m of mrkdwn) expect(m).toContain('"verbatim":true');
  });
});

describe('Reply → Block Kit: limits', () => {
  it('given 60 sections, then 50 blocks are kept, the rest counted, buttons and footer kept', () => {
    const sections = Array.from({ length: 60 }, (_, i) => ({ title: `#${i + 1} Course`, lines: ['line'] }));
    const out = renderReply(reply({ visibility: 'public', title: 'Courses', body: ['60 courses'], sections, actions: [[act('Enroll')]], footer: 'the footer' }), texts);
    expect(out.blocks).toHaveLength(50);
    expect(blockKitProblems(out.blocks, 'message')).toEqual([]);
    const text = allText(out);
    expect(text).toMatch(/…and \d+ more not shown here\./);
    expect(text).toContain('the footer');
    expect(buttonsIn(out).map((b) => b.text)).toEqual(['Enroll']);
    const shown = (text.match(/\*#\d+ Course\*/g) ?? []).length;
    expect(text).toContain(`…and ${60 - shown} more`);
  });

  it('given oversized texts, then every text slot is cut within Slack’s limits', () => {
    const long = 'é&<'.repeat(2000);
    const out = renderReply(
      reply({
        visibility: 'public',
        title: long,
        body: [long, long],
        fields: Array.from({ length: 23 }, (_, i) => ({ label: `f${i}`, value: long, inline: true })),
        sections: [{ title: long, lines: [long], fields: Array.from({ length: 12 }, () => ({ label: long, value: long })) }],
        actions: [[act(long), act('ok')]],
        footer: long,
      }),
      texts,
    );
    expect(blockKitProblems(out.blocks, 'message')).toEqual([]);
    expect(out.text.length).toBeLessThanOrEqual(3000);
    // Cuts never leave half an entity behind.
    expect(allText(out)).not.toMatch(/&(a|am|amp|l|lt|g|gt)?…/);
  });

  it('given a command too long for Slack’s 2000-char value, then its button is left out, not cut', () => {
    const out = renderReply(reply({ visibility: 'public', body: ['x'], actions: [[act('Huge', 'courses', { query: 'q'.repeat(2100) }), act('Small')]] }), texts);
    expect(buttonsIn(out).map((b) => b.text)).toEqual(['Small']);
  });

  it('given a rating row and pagination, then buttons carry invocations with unique action ids', () => {
    const rating = [1, 2, 3, 4, 5].map((stars) => ({ label: `${stars}★`, style: 'secondary' as const, invoke: { command: 'rate', options: { course: '3', stars } } }));
    const turn = (page: number, label: string): Action => ({ label, style: 'secondary', invoke: { command: 'courses', options: { sort: 'top', page } } });
    const out = renderReply(reply({ visibility: 'public', body: ['x'], actions: [rating], pagination: { page: 2, pages: 3, previous: turn(1, '◀'), next: turn(3, '▶') } }), texts);
    const buttons = buttonsIn(out);
    expect(buttons.slice(0, 5).map((b) => decodeInvocation(b.value))).toEqual([1, 2, 3, 4, 5].map((stars) => ({ command: 'rate', options: { course: '3', stars } })));
    expect(buttons.slice(0, 5).every((b) => b.actionId.startsWith('syllabot:run:'))).toBe(true);
    expect(buttons.slice(5).map((b) => [b.text, b.actionId.startsWith('syllabot:page:'), decodeInvocation(b.value)?.options.page])).toEqual([
      ['◀', true, 1],
      ['▶', true, 3],
    ]);
    expect(new Set(buttons.map((b) => b.actionId)).size).toBe(buttons.length);
    expect(allText(out)).toContain('Page 2 of 3');
    const noButtons = renderReply(reply({ visibility: 'public', body: ['x'], pagination: { page: 2, pages: 3, next: turn(3, '▶') } }), texts, { pageButtons: false });
    expect(buttonsIn(noButtons)).toEqual([]);
    expect(allText(noButtons)).toContain('Page 2 of 3');
  });

  it('given any reply (property, 400 runs), then Slack accepts the blocks, no control gets through', () => {
    const text = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom(...HOSTILE), fc.string({ unit: 'grapheme', maxLength: 4000 }));
    const action = fc.record({ label: text, style: fc.constantFrom('primary', 'secondary', 'danger'), invoke: fc.record({ command: fc.constantFrom('enroll', 'rate', 'course.edit'), options: fc.dictionary(fc.constantFrom('course', 'stars', 'page'), fc.oneof(text, fc.integer())) }) });
    const field = fc.record({ label: text, value: text, inline: fc.boolean() });
    const replyArb = fc.record({
      visibility: fc.constantFrom('public', 'ephemeral'),
      tone: fc.constantFrom('neutral', 'success', 'warning', 'error'),
      title: fc.option(text, { nil: undefined }),
      body: fc.array(text, { maxLength: 6 }),
      fields: fc.array(field, { maxLength: 30 }),
      sections: fc.array(fc.record({ title: text, lines: fc.array(text, { maxLength: 4 }), fields: fc.array(field, { maxLength: 12 }), actions: fc.array(action, { maxLength: 6 }) }), { maxLength: 70 }),
      actions: fc.array(fc.array(action, { minLength: 1, maxLength: 5 }), { maxLength: 6 }),
      footer: fc.option(text, { nil: undefined }),
    }) as fc.Arbitrary<Reply>;
    let runs = 0;
    fc.assert(
      fc.property(replyArb, (r) => {
        runs++;
        const out = renderReply(r, texts);
        expect(blockKitProblems(out.blocks, 'message')).toEqual([]);
        expect(controlSequences(out)).toEqual([]);
        expect(out.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
    console.log(`slack render property: ${runs} replies rendered within Block Kit limits`);
  });
});

describe('forms and the Home tab', () => {
  it('given a form, then the modal has one input per option, raw prefilled values and short labels', () => {
    const view = renderForm(
      {
        title: 'Edit the course with a very long title',
        submitLabel: 'Save',
        fields: [
          { option: 'title', label: 'Title <!channel>', style: 'short', required: true, maxLength: 10, value: 'A & <b> long value' },
          { option: 'description', label: 'Description', style: 'paragraph', required: false, maxLength: 1000 },
        ],
        submit: { command: 'course.edit', options: { course: '3' } },
      },
      '{"v":1}',
      'Cancel',
    );
    expect(viewProblems(view, 'modal')).toEqual([]);
    expect(view.callback_id).toBe('syllabot_form');
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    const blocks = view.blocks as { block_id: string; optional: boolean; label: { text: string }; element: { initial_value?: string; multiline: boolean; max_length: number } }[];
    expect(blocks.map((b) => [b.block_id, b.optional, b.element.multiline, b.element.max_length])).toEqual([
      ['title', false, false, 10],
      ['description', true, true, 1000],
    ]);
    expect(blocks[0]!.element.initial_value).toBe('A & <b> lo');
    expect(blocks[0]!.label.text).toBe('Title &lt;!channel&gt;');
  });

  it('given two long replies, then the Home view stays within 100 blocks', () => {
    const big = reply({ visibility: 'ephemeral', title: 'Big', body: ['b'], sections: Array.from({ length: 80 }, (_, i) => ({ title: `S${i}`, lines: ['l'] })), pagination: { page: 1, pages: 9 } });
    const view = renderHome({ title: 'Syllabot', intro: 'Hello <!here>', replies: [big, big] }, texts);
    expect(viewProblems(view, 'home')).toEqual([]);
    expect(controlSequences(view)).toEqual([]);
    expect(buttonsIn(view)).toEqual([]);
  });
});
