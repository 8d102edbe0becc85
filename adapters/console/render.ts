import type { Action, CommandInvocation, Reply } from '../../src/domain/reply.ts';
import { safeText } from '../shared/text.ts';

const TONE_MARK: Record<Reply['tone'], string> = { neutral: '', success: '✔ ', warning: '⚠ ', error: '✖ ' };

/** The command a button stands for, in a form the console parser reads back. */
export function invocationText(invoke: CommandInvocation): string {
  const words = [`/${invoke.command.replace('.', ' ')}`];
  for (const [name, value] of Object.entries(invoke.options)) {
    const text = String(value);
    words.push(/[\s"']/.test(text) || text === '' ? `${name}:"${text.replace(/["\\]/g, '\\$&')}"` : `${name}:${text}`);
  }
  return words.join(' ');
}

function button(action: Action): string {
  return `[${action.label}] → ${invocationText(action.invoke)}`;
}

/** A reply as readable terminal text: title, body, fields, sections, buttons as commands. */
export function renderReply(reply: Reply): string {
  const out: string[] = [];
  if (reply.title) out.push(`${TONE_MARK[reply.tone]}${reply.title}`);
  reply.body.forEach((line, i) => out.push(!reply.title && i === 0 ? `${TONE_MARK[reply.tone]}${line}` : line));
  const inline = reply.fields.filter((f) => f.inline);
  if (inline.length > 0) out.push(inline.map((f) => `${f.label}: ${f.value}`).join(' · '));
  for (const field of reply.fields.filter((f) => !f.inline)) out.push(`  ${field.label}  ${field.value}`);
  for (const section of reply.sections) {
    out.push('', `── ${section.title}`);
    for (const line of section.lines) out.push(`   ${line}`);
    for (const field of section.fields ?? []) out.push(`   ${field.label}: ${field.value}`);
    for (const action of section.actions ?? []) out.push(`   ${button(action)}`);
  }
  const rows = reply.actions.filter((row) => row.length > 0);
  if (rows.length > 0) out.push('');
  for (const row of rows) {
    // A row where every button runs one command with one option varying (the star ratings)
    // fits on one line: `[1★] … [5★] → /rate course:1 <stars>`.
    const varying = varyingOption(row);
    if (varying) out.push(row.map((a) => `[${a.label}]`).join(' ') + ` → ${invocationText({ command: row[0]!.invoke.command, options: withoutKey(row[0]!.invoke.options, varying) })} <${varying}>`);
    else for (const action of row) out.push(button(action));
  }
  if (reply.pagination && reply.pagination.pages > 1) {
    const { page, pages, previous, next } = reply.pagination;
    out.push('', [`${page}/${pages}`, ...(previous ? [button(previous)] : []), ...(next ? [button(next)] : [])].join('   '));
  }
  if (reply.footer) out.push('', reply.footer);
  return safeText(out.join('\n'));
}

/** The one option that differs across a row of same-command buttons, if that is what it is. */
function varyingOption(row: readonly Action[]): string | undefined {
  if (row.length < 2 || row.some((a) => a.invoke.command !== row[0]!.invoke.command)) return undefined;
  const keys = Object.keys(row[0]!.invoke.options);
  const differing = keys.filter((key) => new Set(row.map((a) => a.invoke.options[key])).size > 1);
  const sameKeys = row.every((a) => Object.keys(a.invoke.options).join() === keys.join());
  return sameKeys && differing.length === 1 && differing[0] === keys[keys.length - 1] ? differing[0] : undefined;
}

function withoutKey(options: CommandInvocation['options'], key: string): CommandInvocation['options'] {
  return Object.fromEntries(Object.entries(options).filter(([k]) => k !== key));
}
