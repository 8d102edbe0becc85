import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  type APIActionRowComponent,
  type APIAllowedMentions,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIEmbedField,
  type APIModalInteractionResponseCallbackData,
} from 'discord.js';
import type { Action, ActionStyle, Form, Reply, Tone } from '../../src/domain/reply.ts';
import type { Translator } from '../../src/core/i18n.ts';
import { encodeCustomId, inertCustomId, type ComponentMode, type OverflowTable } from './custom-id.ts';
import { escapeText } from './escape.ts';
import { DISCORD } from './limits.ts';
import { fit, safeText } from '../shared/text.ts';
import { safeFileName } from '../../src/domain/files.ts';

export type ButtonRow = APIActionRowComponent<APIButtonComponentWithCustomId>;

/** A Reply as Discord message fields, before it is sent as a reply, an edit or a channel post. */
export interface RenderedMessage {
  content?: string;
  embeds: APIEmbed[];
  components: ButtonRow[];
  ephemeral: boolean;
  /** Attachments to upload with the message (see files.ts); the embed shows the image one. */
  files?: AttachmentFile[];
}

export interface AttachmentFile {
  attachment: Buffer;
  name: string;
  /** Alt text Discord shows for the attachment. */
  description?: string;
}

export interface RenderContext {
  i18n: Translator;
  overflow: OverflowTable;
}

/** Nothing a reply contains may ping anyone: user text is data (issue 9). */
export const NO_MENTIONS: APIAllowedMentions = Object.freeze({ parse: [] }) as APIAllowedMentions;

const TONE_COLOR: Record<Tone, number> = { neutral: 0x5865f2, success: 0x57f287, warning: 0xfee75c, error: 0xed4245 };
const BUTTON_STYLE: Record<ActionStyle, ButtonStyle.Primary | ButtonStyle.Secondary | ButtonStyle.Danger> = {
  primary: ButtonStyle.Primary,
  secondary: ButtonStyle.Secondary,
  danger: ButtonStyle.Danger,
};
/** Field names and values may not be empty. */
const BLANK = '\u200b';

export function renderReply(reply: Reply, ctx: RenderContext): RenderedMessage {
  const components = renderComponents(reply, ctx);
  const ephemeral = reply.visibility === 'ephemeral';
  const text = reply.body.join('\n');
  const plain =
    !reply.title && !reply.image && reply.fields.length === 0 && reply.sections.length === 0 && !reply.footer && !reply.pagination && text.length > 0;
  if (plain) {
    const content = fit(escapeText(text), DISCORD.contentLength);
    return { content, embeds: [], components, ephemeral };
  }
  const embeds = fitTotal(renderEmbeds(reply, ctx.i18n));
  if (embeds.length === 0) return { content: BLANK, embeds, components, ephemeral };
  return { embeds, components, ephemeral };
}

function field(name: string, value: string, inline: boolean): APIEmbedField {
  return {
    name: fit(escapeText(name), DISCORD.fieldName) || BLANK,
    value: fit(value, DISCORD.fieldValue) || BLANK,
    inline,
  };
}

function renderEmbeds(reply: Reply, i18n: Translator): APIEmbed[] {
  const color = TONE_COLOR[reply.tone];
  const main: APIEmbed = { color, fields: [] };
  if (reply.title) main.title = fit(escapeText(reply.title), DISCORD.embedTitle);
  const description = reply.body.map(escapeText).join('\n');
  if (description) main.description = fit(description, DISCORD.embedDescription);
  if (reply.image) main.image = { url: `attachment://${safeFileName(reply.image.file.name)}` };
  for (const f of reply.fields.slice(0, DISCORD.fieldsPerEmbed)) main.fields!.push(field(f.label, escapeText(f.value), f.inline ?? false));

  const embeds: APIEmbed[] = [main];
  let dropped = 0;
  let overflowing = false;
  for (const section of reply.sections) {
    const lines = [
      ...section.lines.map(escapeText),
      ...(section.fields ?? []).map((f) => `${escapeText(f.label)}: ${escapeText(f.value)}`),
    ].join('\n');
    // Sections stay in order: once one needs its own embed, the ones after it follow.
    const fitsAsField = !overflowing && main.fields!.length < DISCORD.fieldsPerEmbed && lines.length <= DISCORD.fieldValue;
    if (fitsAsField) {
      main.fields!.push(field(section.title, lines, false));
      continue;
    }
    overflowing = true;
    if (embeds.length >= DISCORD.embedsPerMessage) {
      dropped++;
      continue;
    }
    const extra: APIEmbed = { color, title: fit(escapeText(section.title), DISCORD.embedTitle) || BLANK };
    const description = section.lines.map(escapeText).join('\n');
    if (description) extra.description = fit(description, DISCORD.embedDescription);
    if (section.fields?.length) {
      extra.fields = section.fields.slice(0, DISCORD.fieldsPerEmbed).map((f) => field(f.label, escapeText(f.value), f.inline ?? false));
    }
    embeds.push(extra);
  }

  const footer: string[] = [];
  if (dropped > 0) footer.push(i18n.t('discord:moreSections', { count: dropped }));
  if (reply.pagination && reply.pagination.pages > 1) footer.push(i18n.t('common:page', { page: reply.pagination.page, pages: reply.pagination.pages }));
  if (reply.footer) footer.push(reply.footer);
  // The footer goes under the last embed, where Discord shows it below everything.
  if (footer.length > 0) embeds[embeds.length - 1]!.footer = { text: fit(safeText(footer.join(' · ')), DISCORD.footerText) };
  if (main.fields!.length === 0) delete main.fields;
  return embeds.filter((e) => e.title || e.description || e.fields?.length || e.footer || e.image);
}

/**
 * Keeps all embeds of one message within Discord's 6,000-character total: text is spent in
 * reading order, a piece that does not fit is shortened, and what comes after it is dropped.
 */
export function fitTotal(embeds: APIEmbed[], budget: number = DISCORD.embedsTotal): APIEmbed[] {
  let left = budget;
  const take = (text: string, min = 1): string | undefined => {
    if (left < min) return undefined;
    const out = fit(text, left);
    left -= out.length;
    return out;
  };
  const out: APIEmbed[] = [];
  for (const embed of embeds) {
    if (left <= 0) break;
    const copy: APIEmbed = { ...embed };
    delete copy.fields;
    delete copy.footer;
    if (embed.title !== undefined) {
      const title = take(embed.title);
      if (title === undefined) break;
      copy.title = title;
    }
    if (embed.description !== undefined) {
      const description = take(embed.description);
      if (description === undefined) delete copy.description;
      else copy.description = description;
    }
    const fields: APIEmbedField[] = [];
    for (const f of embed.fields ?? []) {
      if (f.name.length + Math.min(f.value.length, 16) > left) break;
      const name = take(f.name)!;
      const value = take(f.value);
      if (value === undefined) break;
      fields.push({ ...f, name, value });
    }
    if (fields.length > 0) copy.fields = fields;
    if (embed.footer) {
      const text = take(embed.footer.text);
      if (text !== undefined) copy.footer = { ...embed.footer, text };
    }
    if (copy.title || copy.description || copy.fields || copy.footer || copy.image) out.push(copy);
  }
  return out;
}

function button(action: Action, mode: ComponentMode, ctx: RenderContext): APIButtonComponentWithCustomId {
  return {
    type: ComponentType.Button,
    style: BUTTON_STYLE[action.style],
    label: fit(safeText(action.label), DISCORD.buttonLabel) || BLANK,
    custom_id: encodeCustomId(mode, action.invoke, ctx.overflow),
  };
}

/**
 * Action rows in reading order: the reply's rows (five buttons each), then each section's
 * buttons, then the page turner, which always keeps its place within Discord's five rows.
 * Custom ids must be unique within a message, so a repeated action is shown once.
 */
export function renderComponents(reply: Reply, ctx: RenderContext): ButtonRow[] {
  const seen = new Set<string>();
  const rows: APIButtonComponentWithCustomId[][] = [];
  const addRow = (actions: Action[], mode: ComponentMode) => {
    for (let i = 0; i < actions.length; i += DISCORD.buttonsPerRow) {
      const row = actions
        .slice(i, i + DISCORD.buttonsPerRow)
        .map((a) => button(a, mode, ctx))
        .filter((b) => !seen.has(b.custom_id) && seen.add(b.custom_id));
      if (row.length > 0) rows.push(row);
    }
  };
  for (const row of reply.actions) addRow(row, 'reply');
  for (const section of reply.sections) if (section.actions?.length) addRow(section.actions, 'reply');

  const pager = pagerRow(reply, ctx);
  const room = DISCORD.rowsPerMessage - (pager ? 1 : 0);
  const kept = rows.slice(0, room);
  if (pager) kept.push(pager);
  return kept.map((components) => ({ type: ComponentType.ActionRow, components }));
}

function pagerRow(reply: Reply, ctx: RenderContext): APIButtonComponentWithCustomId[] | null {
  const pagination = reply.pagination;
  if (!pagination || pagination.pages <= 1 || (!pagination.previous && !pagination.next)) return null;
  const side = (action: Action | undefined, name: 'previous' | 'next'): APIButtonComponentWithCustomId =>
    action
      ? button(action, 'update', ctx)
      : {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          label: fit(ctx.i18n.t(`common:action.${name}`), DISCORD.buttonLabel),
          custom_id: inertCustomId(name),
          disabled: true,
        };
  return [side(pagination.previous, 'previous'), side(pagination.next, 'next')];
}

/** A Reply.form as a Discord modal: up to five labelled text inputs. */
export function renderModal(form: Form, ctx: RenderContext): APIModalInteractionResponseCallbackData {
  return {
    custom_id: encodeCustomId('modal', form.submit, ctx.overflow),
    title: fit(safeText(form.title), DISCORD.modalTitle) || BLANK,
    components: form.fields.slice(0, DISCORD.modalFields).map((f) => {
      const maxLength = Math.min(f.maxLength ?? DISCORD.inputValue, DISCORD.inputValue);
      return {
        type: ComponentType.Label,
        label: fit(safeText(f.label), DISCORD.inputLabel) || BLANK,
        component: {
          type: ComponentType.TextInput,
          custom_id: f.option,
          style: f.style === 'paragraph' ? TextInputStyle.Paragraph : TextInputStyle.Short,
          required: f.required,
          max_length: maxLength,
          ...(f.value ? { value: [...f.value].slice(0, maxLength).join('') } : {}),
          ...(f.placeholder ? { placeholder: fit(f.placeholder, DISCORD.inputPlaceholder) } : {}),
        },
      };
    }),
  };
}

/** A button that opens a form, for when a modal cannot be the answer (after a deferral or a modal). */
export function openFormRow(form: Form, ctx: RenderContext): ButtonRow {
  return {
    type: ComponentType.ActionRow,
    components: [button({ label: ctx.i18n.t('discord:form.open'), style: 'primary', invoke: form.submit }, 'reply', ctx)],
  };
}
