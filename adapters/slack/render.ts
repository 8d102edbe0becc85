import type { types } from '@slack/bolt';
import type { Action, Field, Form, Reply, Section } from '../../src/domain/reply.ts';
import type { Translator } from '../../src/core/i18n.ts';
import { BLOCK_KIT } from './limits.ts';
import { encodeInvocation, PAGE_ACTION, RUN_ACTION } from './invocation.ts';
import { escapeText, fitEscaped, fitMarkup } from './text.ts';
import { fit } from '../shared/text.ts';

type KnownBlock = types.KnownBlock;
type Button = types.Button;
type SectionBlock = types.SectionBlock;
type MrkdwnElement = types.MrkdwnElement;

/**
 * A neutral Reply as Block Kit: header, sections with mrkdwn and fields, buttons, context,
 * within every Block Kit limit, plus a plain `text` fallback for notifications. Every string is
 * escaped (see text.ts) before our own markup is added, whether the core wrote it or a member did.
 */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** The few words the renderer adds itself, in the reader's language. */
export interface RenderTexts {
  more(count: number): string;
  page(page: number, pages: number): string;
}

export function renderTexts(i18n: Translator): RenderTexts {
  return {
    more: (count) => i18n.t('slack:truncated', { count }),
    page: (page, pages) => i18n.t('common:page', { page, pages }),
  };
}

export interface RenderOptions {
  /** 50 for messages; views allow 100 in all, shared between the parts of a Home tab. */
  maxBlocks?: number;
  /** Page buttons; off on the Home tab, where there is no message to replace. */
  pageButtons?: boolean;
}

const TONE_MARK: Record<Reply['tone'], string> = { neutral: '', success: '✅ ', warning: '⚠️ ', error: '❌ ' };

export function renderReply(reply: Reply, texts: RenderTexts, options: RenderOptions = {}): SlackMessage {
  const maxBlocks = options.maxBlocks ?? BLOCK_KIT.messageBlocks;
  const buttons = new ButtonFactory();
  const mark = TONE_MARK[reply.tone];

  const head: KnownBlock[] = [];
  if (reply.title?.trim()) head.push(header(mark + reply.title));
  const body = reply.body.map((p, i) => (!reply.title && i === 0 ? mark + p : p)).map(inline);
  head.push(...textSections(body, '\n\n'));
  // Slack fetches the image itself, so only a public address can go in a block (else it is uploaded).
  if (reply.image?.url) head.push({ type: 'image', image_url: reply.image.url, alt_text: fit(reply.image.alt, BLOCK_KIT.imageAltText, { ellipsis: '' }) || '-' });
  head.push(...fieldSections(reply.fields.filter((f) => f.inline)));
  head.push(...textSections(reply.fields.filter((f) => !f.inline).map((f) => [bold(f.label), escapeText(f.value)].filter(Boolean).join('  ')), '\n'));

  const groups = reply.sections.map((section) => sectionBlocks(section, buttons));

  const tail: KnownBlock[] = [];
  for (const row of reply.actions) {
    const elements = row.flatMap((action) => buttons.run(action) ?? []);
    if (elements.length > 0) tail.push({ type: 'actions', elements: elements.slice(0, BLOCK_KIT.actionsElements) });
  }
  const pagination = reply.pagination;
  if (pagination && pagination.pages > 1) {
    tail.push(context(texts.page(pagination.page, pagination.pages)));
    if (options.pageButtons !== false) {
      const turn = [pagination.previous, pagination.next].flatMap((action) => (action ? (buttons.page(action) ?? []) : []));
      if (turn.length > 0) tail.push({ type: 'actions', elements: turn });
    }
  }
  if (reply.footer?.trim()) tail.push(context(reply.footer));

  const blocks = fitBlocks(head, groups, tail, maxBlocks, texts);
  return { text: fallbackText(reply), blocks };
}

/** Keeps the head and the tail (buttons, pages, footer) and drops whole sections from the end. */
function fitBlocks(head: KnownBlock[], groups: KnownBlock[][], tail: KnownBlock[], max: number, texts: RenderTexts): KnownBlock[] {
  const divider: KnownBlock[] = head.length > 0 && groups.length > 0 ? [{ type: 'divider' }] : [];
  const all = [...head, ...divider, ...groups.flat(), ...tail];
  if (all.length <= max) return all;
  const tailKept = tail.slice(0, Math.max(0, max - 2));
  const room = max - tailKept.length - 1; // one context block says how much was left out
  const kept: KnownBlock[] = head.slice(0, room);
  let shown = 0;
  for (const group of groups) {
    if (kept.length + group.length > room) break;
    kept.push(...group);
    shown++;
  }
  const omitted = groups.length - shown;
  return [...kept, ...(omitted > 0 ? [context(texts.more(omitted))] : []), ...tailKept].slice(0, max);
}

function sectionBlocks(section: Section, buttons: ButtonFactory): KnownBlock[] {
  const text = orEllipsis(fitMarkup([bold(section.title), ...section.lines.map(inline)].filter((l) => l.trim() !== '').join('\n'), BLOCK_KIT.sectionText));
  const fields = (section.fields ?? []).map(fieldText);
  const actions = (section.actions ?? []).flatMap((action) => buttons.run(action) ?? []);
  const first: SectionBlock = { type: 'section', text: mrkdwn(text) };
  if (fields.length > 0) first.fields = fields.slice(0, BLOCK_KIT.sectionFields);
  if (actions.length === 1) first.accessory = actions[0]!;
  const blocks: KnownBlock[] = [first];
  for (let i = BLOCK_KIT.sectionFields; i < fields.length; i += BLOCK_KIT.sectionFields) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + BLOCK_KIT.sectionFields) });
  }
  if (actions.length > 1) blocks.push({ type: 'actions', elements: actions.slice(0, BLOCK_KIT.actionsElements) });
  return blocks;
}

const LINK = /^https?:\/\/[^\s<>|]+$/i;

/**
 * A line as mrkdwn: escaped, and a line that is nothing but a web address (a course's link)
 * made clickable with its own address as the text, so a link can never hide where it goes.
 */
function inline(line: string): string {
  return LINK.test(line) ? `<${escapeText(line)}>` : escapeText(line);
}

function header(text: string): KnownBlock {
  return { type: 'header', text: plain(text, BLOCK_KIT.headerText) };
}

function plain(text: string, max: number): types.PlainTextElement {
  return { type: 'plain_text', text: orEllipsis(fitEscaped(text, max)), emoji: true };
}

function mrkdwn(text: string): MrkdwnElement {
  // verbatim: Slack must not turn bare words (`@channel`, `#general`) into mentions on its own.
  return { type: 'mrkdwn', text, verbatim: true };
}

function context(text: string): KnownBlock {
  return { type: 'context', elements: [mrkdwn(orEllipsis(fitEscaped(text, BLOCK_KIT.contextText)))] };
}

function fieldText(field: Field): MrkdwnElement {
  return mrkdwn(orEllipsis(fitMarkup([bold(field.label), escapeText(field.value)].filter((l) => l.trim() !== '').join('\n'), BLOCK_KIT.fieldText)));
}

/** Bold in mrkdwn needs no spaces inside the stars; an empty label gets no stars at all. */
function bold(text: string): string {
  const trimmed = text.trim();
  return trimmed ? `*${escapeText(trimmed)}*` : '';
}

/** Slack refuses empty text objects. */
function orEllipsis(text: string): string {
  return text.trim() === '' ? '…' : text;
}

function fieldSections(fields: Field[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (let i = 0; i < fields.length; i += BLOCK_KIT.sectionFields) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + BLOCK_KIT.sectionFields).map(fieldText) });
  }
  return blocks;
}

/** Escaped pieces joined into as few sections as fit in 3000 characters each. */
function textSections(pieces: string[], separator: string): KnownBlock[] {
  const chunks: string[] = [];
  let current = '';
  for (const raw of pieces) {
    if (raw.trim() === '') continue;
    const piece = fitMarkup(raw, BLOCK_KIT.sectionText);
    if (current && current.length + separator.length + piece.length > BLOCK_KIT.sectionText) {
      chunks.push(current);
      current = '';
    }
    current = current ? current + separator + piece : piece;
  }
  if (current) chunks.push(current);
  return chunks.map((text) => ({ type: 'section', text: mrkdwn(text) }));
}

/** What notifications and screen readers show: the title and the first paragraphs. */
function fallbackText(reply: Reply): string {
  const parts = [reply.title, ...reply.body, reply.sections[0]?.title].filter((p): p is string => Boolean(p && p.trim()));
  const text = fitEscaped(parts.join('\n'), BLOCK_KIT.messageText);
  return text || '…';
}

/** Buttons with action ids unique within one message (Slack requires it per block). */
class ButtonFactory {
  private next = 0;

  run(action: Action): Button | undefined {
    return this.make(RUN_ACTION, action);
  }

  page(action: Action): Button | undefined {
    return this.make(PAGE_ACTION, action);
  }

  private make(kind: string, action: Action): Button | undefined {
    const value = encodeInvocation(action.invoke);
    // A button whose command does not fit in Slack's 2000-character value is left out rather
    // than sent cut (it would run something else) or refused by Slack with the whole message.
    if (value === undefined) return undefined;
    const button: Button = {
      type: 'button',
      action_id: `${kind}:${this.next++}`,
      text: plain(action.label, BLOCK_KIT.buttonText),
      value,
    };
    if (action.style === 'primary' || action.style === 'danger') button.style = action.style;
    return button;
  }
}

export const FORM_CALLBACK_ID = 'syllabot_form';
/** The action id of every input in a form; the block id is the option it fills. */
export const INPUT_ACTION_ID = 'value';

/** A Reply.form as a modal: one input per field, block_id = option name (for field errors). */
export function renderForm(form: Form, privateMetadata: string, cancelLabel: string): types.ModalView {
  return {
    type: 'modal',
    callback_id: FORM_CALLBACK_ID,
    private_metadata: fit(privateMetadata, BLOCK_KIT.privateMetadata, { ellipsis: '' }),
    title: plain(form.title, BLOCK_KIT.modalTitle),
    submit: plain(form.submitLabel, BLOCK_KIT.modalButton),
    close: plain(cancelLabel, BLOCK_KIT.modalButton),
    blocks: form.fields.slice(0, BLOCK_KIT.viewBlocks).map((field): KnownBlock => {
      const maxLength = Math.min(field.maxLength ?? BLOCK_KIT.inputMaxLength, BLOCK_KIT.inputMaxLength);
      const element: types.PlainTextInput = { type: 'plain_text_input', action_id: INPUT_ACTION_ID, multiline: field.style === 'paragraph', max_length: maxLength };
      // An input's value is not rendered as markup: it is what the field holds, so it stays raw.
      if (field.value !== undefined && field.value !== '') element.initial_value = fit(field.value, maxLength, { ellipsis: '' });
      if (field.placeholder?.trim()) element.placeholder = plain(field.placeholder, BLOCK_KIT.inputPlaceholder);
      return {
        type: 'input',
        block_id: fit(field.option, BLOCK_KIT.blockId, { ellipsis: '' }),
        optional: !field.required,
        label: plain(field.label, BLOCK_KIT.inputLabel),
        element,
      };
    }),
  };
}

export interface HomeContent {
  title: string;
  intro: string;
  /** The answers of the commands declared for home views, in their order. */
  replies: Reply[];
}

/** The App Home tab: each reply rendered in turn, within the view's 100 blocks. */
export function renderHome(content: HomeContent, texts: RenderTexts): types.HomeView {
  const blocks: KnownBlock[] = [header(content.title), context(content.intro)];
  const share = Math.floor((BLOCK_KIT.viewBlocks - blocks.length) / Math.max(1, content.replies.length)) - 1;
  for (const reply of content.replies) {
    blocks.push({ type: 'divider' }, ...renderReply(reply, texts, { maxBlocks: share, pageButtons: false }).blocks);
  }
  return { type: 'home', blocks: blocks.slice(0, BLOCK_KIT.viewBlocks) };
}
