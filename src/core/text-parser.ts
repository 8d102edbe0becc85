import { charLength, LIMITS } from '../domain/limits.ts';
import { UserError, UserErrorCode } from '../domain/errors.ts';
import type { Command, CommandRegistry } from './command.ts';

/**
 * The one text grammar, shared by the console and Slack: words separated by spaces, quotes
 * ("…", '…', “…”, ‘…’) keep spaces, a backslash escapes the next character inside quotes,
 * and `name:value` (value may be quoted) sets an option by name anywhere in the line.
 */
export interface Token {
  /** The word as typed, quotes removed. */
  text: string;
  /** For `name:value` words: the name and the value; decided later against the declaration. */
  named?: { name: string; value: string };
}

const QUOTES: Record<string, string> = { '"': '"', "'": "'", '“': '”', '‘': '’', '「': '」' };

export function normalizeInput(text: string): string {
  // NFKC makes full-width digits, letters and punctuation (１, ＃, ：) their ASCII forms.
  return text.normalize('NFKC');
}

export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (ch: string) => /\s/.test(ch);
  while (i < n) {
    while (i < n && isSpace(line[i]!)) i++;
    if (i >= n) break;
    let text = '';
    let named: Token['named'];
    let quotedPart = false;
    while (i < n && !isSpace(line[i]!)) {
      const ch = line[i]!;
      const close = QUOTES[ch];
      if (close) {
        const end = readQuoted(line, i + 1, close);
        text += end.value;
        i = end.next;
        quotedPart = true;
        continue;
      }
      if (ch === ':' && named === undefined && !quotedPart && /^[A-Za-z][A-Za-z0-9_-]*$/.test(text)) {
        named = { name: text.toLowerCase(), value: '' };
        text += ch;
        i++;
        const valueStart = text.length;
        // The value is the rest of this word (possibly quoted).
        let value = '';
        while (i < n && !isSpace(line[i]!)) {
          const c = line[i]!;
          const q = QUOTES[c];
          if (q) {
            const end = readQuoted(line, i + 1, q);
            value += end.value;
            i = end.next;
            continue;
          }
          value += c;
          i++;
        }
        named.value = value;
        text = text.slice(0, valueStart) + value;
        break;
      }
      text += ch;
      i++;
    }
    tokens.push(named ? { text, named } : { text });
  }
  return tokens;
}

function readQuoted(line: string, start: number, close: string): { value: string; next: number } {
  let value = '';
  let i = start;
  while (i < line.length) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      value += line[i + 1];
      i += 2;
      continue;
    }
    if (ch === close) return { value, next: i + 1 };
    value += ch;
    i++;
  }
  throw new UserError(UserErrorCode.UnbalancedQuote, { quote: close });
}

export interface ParsedLine {
  command: Command;
  /** Raw option values as typed; validated later by the command's zod schemas. */
  options: Record<string, string>;
}

/**
 * The line limit counts characters (code points) like every other limit. `length` counts
 * UTF-16 units, never fewer, so only a line already over the limit in units needs counting.
 */
function isTooLong(text: string): boolean {
  return text.length > LIMITS.commandLineLength && charLength(text) > LIMITS.commandLineLength;
}

/** Splits `/name [sub] args…`, finds the command and binds the arguments to its options. */
export function parseCommandLine(registry: CommandRegistry, line: string): ParsedLine {
  if (isTooLong(line)) {
    throw new UserError(UserErrorCode.LineTooLong, { max: LIMITS.commandLineLength });
  }
  const tokens = tokenize(normalizeInput(line));
  const head = tokens.shift();
  const name = (head?.text ?? '').replace(/^\//, '').toLowerCase();
  return bindToCommand(registry, name, tokens);
}

/** Slack-style: the command name arrives apart from its text. */
export function parseCommandText(registry: CommandRegistry, name: string, text: string): ParsedLine {
  if (isTooLong(text)) {
    throw new UserError(UserErrorCode.LineTooLong, { max: LIMITS.commandLineLength });
  }
  return bindToCommand(registry, name.replace(/^\//, '').toLowerCase(), tokenize(normalizeInput(text)));
}

function bindToCommand(registry: CommandRegistry, name: string, tokens: Token[]): ParsedLine {
  if (!name) throw new UserError(UserErrorCode.UnknownCommand, { command: '' });
  let command: Command | undefined;
  if (registry.isGroup(name)) {
    const sub = tokens.shift();
    // `/settings locale:zh-CN` names the subcommand and gives its first argument in one word.
    const namedSub = sub?.named ? registry.get(`${name}.${sub.named.name}`) : undefined;
    if (namedSub && sub?.named) tokens.unshift({ text: sub.named.value });
    const subName = sub?.named ? undefined : sub?.text.toLowerCase();
    command = namedSub ?? (subName ? registry.get(`${name}.${subName}`) : undefined);
    if (!command) {
      const choices = registry.subcommands(name).map((c) => c.name).join(', ');
      throw new UserError(UserErrorCode.UnknownSubcommand, { command: name, subcommand: sub?.text ?? '', choices });
    }
  } else {
    command = registry.get(name);
    if (!command) throw new UserError(UserErrorCode.UnknownCommand, { command: name });
  }
  return { command, options: bindArguments(command, tokens) };
}

export function bindArguments(command: Command, tokens: Token[]): Record<string, string> {
  const names = Object.keys(command.options);
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (const token of tokens) {
    if (token.named && names.includes(token.named.name)) {
      if (token.named.name in options) throw new UserError(UserErrorCode.DuplicateOption, { option: token.named.name }, token.named.name);
      options[token.named.name] = token.named.value;
    } else {
      positional.push(token.text);
    }
  }
  const free = names.filter((n) => !(n in options));
  for (const name of free) {
    if (positional.length === 0) break;
    const spec = command.options[name]!;
    options[name] = spec.rest ? positional.splice(0).join(' ') : positional.shift()!;
  }
  if (positional.length > 0) {
    throw new UserError(UserErrorCode.TooManyArguments, { extra: positional.join(' '), command: command.id.replace('.', ' ') });
  }
  return options;
}
