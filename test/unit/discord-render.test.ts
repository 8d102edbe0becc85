import { describe, expect, it } from 'vitest';
import type { APIEmbed } from 'discord.js';
import { fitTotal, renderModal, renderReply, type RenderContext } from '../../adapters/discord/render.ts';
import { escapeText } from '../../adapters/discord/escape.ts';
import { decodeCustomId, OverflowTable } from '../../adapters/discord/custom-id.ts';
import { createMessageCatalog } from '../../src/core/i18n.ts';
import { reply, type Action, type Reply } from '../../src/domain/reply.ts';

const catalog = createMessageCatalog();
const ctx = (): RenderContext => ({ i18n: catalog.translator('en'), overflow: new OverflowTable() });

function embedChars(embeds: APIEmbed[]): number {
  return embeds.reduce(
    (n, e) => n + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((m, f) => m + f.name.length + f.value.length, 0),
    0,
  );
}

const act = (label: string, command: string, options: Record<string, string | number> = {}): Action => ({ label, style: 'secondary', invoke: { command, options } });

describe('Discord rendering of a Reply', () => {
  it('given a body-only ephemeral confirmation, when rendered, then it is plain content with no embed', () => {
    const out = renderReply(reply({ visibility: 'ephemeral', tone: 'success', body: ["You're enrolled in #1 Rust."] }), ctx());
    expect(out).toEqual({ content: "You're enrolled in #1 Rust.", embeds: [], components: [], ephemeral: true });
  });

  it('given a full reply, when rendered, then it is one embed with sections as fields, page in footer', () => {
    const out = renderReply(
      reply({
        visibility: 'public',
        title: 'Courses',
        body: ['12 courses, best rated first.'],
        fields: [{ label: 'Members', value: '3', inline: true }],
        sections: [{ title: '#1 Rust', lines: ['value 1 · no ratings yet', 'Learn Rust'] }],
        footer: '/enroll <number> to join',
        pagination: { page: 1, pages: 2, next: act('Next ▶', 'courses', { page: 2 }) },
      }),
      ctx(),
    );
    expect(out.content).toBeUndefined();
    expect(out.embeds).toHaveLength(1);
    expect(out.embeds[0]).toMatchObject({
      title: 'Courses',
      description: '12 courses, best rated first.',
      fields: [
        { name: 'Members', value: '3', inline: true },
        { name: '#1 Rust', value: 'value 1 · no ratings yet\nLearn Rust', inline: false },
      ],
      footer: { text: 'Page 1 of 2 · /enroll <number> to join' },
    });
    // The pager: Previous disabled (page 1), Next turns the page in place.
    const [pager] = out.components;
    expect(pager!.components.map((b) => [b.label, b.disabled ?? false])).toEqual([
      ['◀ Previous', true],
      ['Next ▶', false],
    ]);
    expect(decodeCustomId(pager!.components[1]!.custom_id, new OverflowTable())).toEqual({ mode: 'update', invoke: { command: 'courses', options: { page: '2' } } });
  });

  it('given more than Discord allows, when rendered, then every embed, field and total limit holds', () => {
    const long = 'é'.repeat(5000);
    const huge: Reply = reply({
      visibility: 'public',
      title: 'T'.repeat(400),
      body: [long],
      fields: Array.from({ length: 40 }, (_, i) => ({ label: `F${i}`.repeat(200), value: long })),
      sections: Array.from({ length: 30 }, (_, i) => ({ title: `Section ${i}`, lines: [long] })),
      footer: 'x'.repeat(3000),
    });
    const out = renderReply(huge, ctx());
    expect(out.embeds.length).toBeLessThanOrEqual(10);
    expect(embedChars(out.embeds)).toBeLessThanOrEqual(6000);
    for (const e of out.embeds) {
      expect(e.title?.length ?? 0).toBeLessThanOrEqual(256);
      expect(e.description?.length ?? 0).toBeLessThanOrEqual(4096);
      expect(e.fields?.length ?? 0).toBeLessThanOrEqual(25);
      for (const f of e.fields ?? []) {
        expect(f.name.length).toBeLessThanOrEqual(256);
        expect(f.value.length).toBeLessThanOrEqual(1024);
        expect(f.value.length).toBeGreaterThan(0);
      }
      expect(e.footer?.text.length ?? 0).toBeLessThanOrEqual(2048);
    }
    expect(out.embeds[0]!.title!.endsWith('…')).toBe(true);
  });

  it('given overflowing sections, then extra embeds stop at ten and the footer counts the rest', () => {
    const out = renderReply(
      reply({ visibility: 'public', title: 'Stars', body: ['x'], sections: Array.from({ length: 14 }, (_, i) => ({ title: `S${i}`, lines: ['y'.repeat(1100)] })) }),
      ctx(),
    );
    const all = fitTotal(out.embeds, Number.MAX_SAFE_INTEGER);
    expect(out.embeds.length).toBeGreaterThan(1);
    expect(all.length).toBeLessThanOrEqual(10);
    expect(renderReply(reply({ visibility: 'public', title: 'Stars', body: ['x'], sections: Array.from({ length: 14 }, (_, i) => ({ title: `S${i}`, lines: ['y'.repeat(200)] })) }), ctx()).embeds).toHaveLength(1);
  });

  it('given more buttons than fit, then rows of five, at most five rows, pager kept, no repeats', () => {
    const stars = [1, 2, 3, 4, 5].map((s) => act(`${s}★`, 'rate', { course: '1', stars: s }));
    const many = Array.from({ length: 7 }, (_, i) => act(`B${i}`, 'enroll', { course: String(i) }));
    const out = renderReply(
      reply({
        visibility: 'public',
        title: 'x',
        actions: [stars, many, [act('Enroll', 'enroll', { course: '1' })], [act('again', 'enroll', { course: '1' })], [act('Z', 'score')], [act('Y', 'help')]],
        pagination: { page: 2, pages: 3, previous: act('◀', 'courses', { page: 1 }), next: act('▶', 'courses', { page: 3 }) },
      }),
      ctx(),
    );
    expect(out.components).toHaveLength(5);
    for (const row of out.components) expect(row.components.length).toBeLessThanOrEqual(5);
    expect(out.components[0]!.components.map((b) => b.label)).toEqual(['1★', '2★', '3★', '4★', '5★']);
    expect(out.components[4]!.components.map((b) => b.label)).toEqual(['◀', '▶']);
    const ids = out.components.flatMap((r) => r.components.map((b) => b.custom_id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('given hostile text, when rendered, then markdown, mentions and masked links show literally', () => {
    const text = '**free** __pizza__ [bank](https://evil.example/a_b) @everyone <@&123> `code`';
    expect(escapeText(text)).toBe('\\*\\*free\\*\\* \\_\\_pizza\\_\\_ \\[bank\\](https://evil.example/a_b) \\@everyone \\<\\@&123> \\`code\\`');
    expect(escapeText('# Title\n> quote\n- item\n1. first\n#3 Rust')).toBe('\\# Title\n\\> quote\n\\- item\n1\\. first\n#3 Rust');
    expect(escapeText('see https://x.example/some_path_here ok')).toBe('see https://x.example/some_path_here ok');
    // ANSI colour codes, other control characters and bidi overrides are dropped; newlines stay.
    expect(escapeText('\u001b[31mred\u0007\nnext \u202eevil')).toBe('red\nnext evil');
    const labelled = renderReply(reply({ visibility: 'public', title: 't', footer: '\u001b[0mfoot', actions: [[act('\u001b[31mEnroll', 'enroll', { course: '1' })]] }), ctx());
    expect(labelled.components[0]!.components[0]!.label).toBe('Enroll');
    expect(labelled.embeds[0]!.footer!.text).toBe('foot');
    const out = renderReply(reply({ visibility: 'public', title: '#1 @everyone <@&123> free pizza', body: ['x'] }), ctx());
    expect(out.embeds[0]!.title).toBe('#1 \\@everyone \\<\\@&123> free pizza');
  });

  it('given a very long reply of member text, then every character is escaped and the embed is cut', () => {
    const long = '*_'.repeat(50_000);
    expect(escapeText(long)).toHaveLength(200_000);
    const out = renderReply(reply({ visibility: 'public', title: 't', body: [long], sections: Array.from({ length: 30 }, () => ({ title: 's', lines: [long] })) }), ctx());
    expect(out.embeds[0]!.description!.length).toBeLessThanOrEqual(4096);
  });

  it('given a form, when rendered as a modal, then up to five inputs within limits carry the command', () => {
    const overflow = new OverflowTable();
    const modal = renderModal(
      {
        title: 'A very long title for a modal that Discord would refuse',
        submitLabel: 'Save',
        submit: { command: 'course.edit', options: { course: '3' } },
        fields: [
          { option: 'title', label: 'Title', style: 'short', required: true, maxLength: 120, value: 'Rust' },
          { option: 'value', label: 'Value (weight in the score)', style: 'short', required: false, maxLength: 5000 },
          { option: 'url', label: 'Link', style: 'short', required: false },
          { option: 'description', label: 'Description', style: 'paragraph', required: false, maxLength: 1000, value: 'd'.repeat(2000) },
          { option: 'tags', label: 'Tags', style: 'short', required: false },
          { option: 'starts', label: 'Sixth field', style: 'short', required: false },
        ],
      },
      { i18n: catalog.translator('en'), overflow },
    );
    expect(modal.title.length).toBeLessThanOrEqual(45);
    expect(modal.components).toHaveLength(5);
    expect(decodeCustomId(modal.custom_id, overflow)).toEqual({ mode: 'modal', invoke: { command: 'course.edit', options: { course: '3' } } });
    const inputs = modal.components.map((c) => (c as unknown as { type: number; label: string; component: Record<string, unknown> }));
    expect(inputs.every((c) => c.type === 18 && c.label.length <= 45)).toBe(true);
    expect(inputs[0]!.component).toMatchObject({ type: 4, custom_id: 'title', style: 1, required: true, max_length: 120, value: 'Rust' });
    expect(inputs[1]!.component).toMatchObject({ max_length: 4000 });
    expect(inputs[3]!.component).toMatchObject({ style: 2, max_length: 1000 });
    expect(String(inputs[3]!.component.value)).toHaveLength(1000);
  });
});
