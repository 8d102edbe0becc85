import { randomBytes } from 'node:crypto';
import { COMMAND_ID, OPTION_NAME } from '../../src/core/command.ts';
import type { CommandInvocation } from '../../src/domain/reply.ts';

/**
 * Buttons and modals carry the command they stand for in their `custom_id` (Discord allows 100
 * characters), so a click works in any process and after a restart. Version 1 reads
 *
 *   1<mode>:<command>:<name>=<value>;<name>=<value>
 *
 * with `%` and `;` in values percent-escaped. Every id is client data: whatever it decodes to goes
 * through the core's validation and permission checks like a typed command.
 *
 * The rare invocation that does not fit (a long search query behind a Next button) is kept in a
 * bounded in-memory table under `1<mode>*<key>`; after a restart such a button answers "run the
 * command again" instead of guessing.
 */
export const CUSTOM_ID_MAX = 100;
const VERSION = '1';

/** What the component does with the command's reply. */
export type ComponentMode =
  /** A new message (ephemeral or public as the reply says). */
  | 'reply'
  /** Edits the message the button is on (pagination). */
  | 'update'
  /** A modal's submission. */
  | 'modal'
  /** A disabled placeholder button; never acted on. */
  | 'inert';

const MODE_CODE: Record<ComponentMode, string> = { reply: 'r', update: 'u', modal: 'm', inert: 'x' };
const CODE_MODE = new Map(Object.entries(MODE_CODE).map(([mode, code]) => [code, mode as ComponentMode]));

export interface DecodedCustomId {
  mode: ComponentMode;
  invoke: CommandInvocation;
}

function escapeValue(text: string): string {
  return text.replace(/[%;]/g, (c) => (c === '%' ? '%25' : '%3B'));
}

function unescapeValue(text: string): string | null {
  if (/%(?!25|3B)/i.test(text)) return null;
  return text.replace(/%25|%3B/gi, (m) => (m.toUpperCase() === '%25' ? '%' : ';'));
}

/** The inline form, which may be longer than Discord allows. */
export function encodeInline(mode: ComponentMode, invoke: CommandInvocation): string {
  const options = Object.entries(invoke.options)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${escapeValue(String(value))}`)
    .join(';');
  return `${VERSION}${MODE_CODE[mode]}:${invoke.command}:${options}`;
}

export function decodeCustomId(id: string, overflow?: OverflowTable): DecodedCustomId | null {
  if (id.length > CUSTOM_ID_MAX || id[0] !== VERSION) return null;
  const mode = CODE_MODE.get(id[1] ?? '');
  if (!mode) return null;
  if (id[2] === '*') {
    const stored = overflow?.get(id.slice(3));
    return stored && stored.mode === mode ? stored : null;
  }
  if (id[2] !== ':') return null;
  const rest = id.slice(3);
  const colon = rest.indexOf(':');
  if (colon < 0) return null;
  const command = rest.slice(0, colon);
  if (!COMMAND_ID.test(command)) return null;
  const options: Record<string, string> = {};
  const body = rest.slice(colon + 1);
  if (body !== '') {
    for (const pair of body.split(';')) {
      const eq = pair.indexOf('=');
      if (eq < 0) return null;
      const name = pair.slice(0, eq);
      const value = unescapeValue(pair.slice(eq + 1));
      if (!OPTION_NAME.test(name) || value === null || name in options) return null;
      options[name] = value;
    }
  }
  return { mode, invoke: { command, options } };
}

/**
 * Invocations too long for a custom_id, by a short random key. Interactions for a guild always
 * reach the shard (and so the process) that rendered its buttons, so memory is enough; it is
 * bounded so a busy bot cannot grow it without limit.
 */
export class OverflowTable {
  private readonly entries = new Map<string, DecodedCustomId>();
  constructor(private readonly capacity = 10_000) {}

  put(value: DecodedCustomId): string {
    const key = randomBytes(9).toString('base64url');
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
    return key;
  }

  get(key: string): DecodedCustomId | undefined {
    const value = this.entries.get(key);
    if (value) {
      // Recently used keys live longest.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The custom_id for an invocation: inline when it fits, else a key into `overflow`. */
export function encodeCustomId(mode: ComponentMode, invoke: CommandInvocation, overflow: OverflowTable): string {
  const inline = encodeInline(mode, invoke);
  if (inline.length <= CUSTOM_ID_MAX) return inline;
  return `${VERSION}${MODE_CODE[mode]}*${overflow.put({ mode, invoke: { command: invoke.command, options: textOptions(invoke.options) } })}`;
}

/** Values as the inline form gives them back: text, which the core parses like typed input. */
function textOptions(options: CommandInvocation['options']): Record<string, string> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}

/** A unique id for a disabled button that does nothing. */
export function inertCustomId(name: string): string {
  return `${VERSION}${MODE_CODE.inert}:${name}:`;
}
