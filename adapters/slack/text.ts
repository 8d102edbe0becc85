import stripAnsi from 'strip-ansi';

/**
 * Text in and out of Slack. Outgoing: Slack reads `&`, `<` and `>` as control characters in
 * every text field (`<!channel>` pings, `<@U123>` mentions, `<https://evil|bank>` disguises a
 * link), so all text we send is escaped first and only then gets our own markup. Incoming:
 * slash command text arrives entity-escaped, with mentions and links in Slack's `<…>` form.
 */
/** Text made inert for any Slack text field: cleaned, then `&`, `<`, `>` as entities. */
export function escapeText(text: string): string {
  return escapeControl(cleanText(text));
}

/**
 * ANSI escape sequences, control characters (tab and newline stay) and bidirectional
 * overrides mean nothing in Slack but can hide or reorder text, so they are dropped.
 */
export function cleanText(text: string): string {
  return stripAnsi(text).replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}

function escapeControl(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ELLIPSIS = '…';

/**
 * Escapes `text` and keeps the result within `max` UTF-16 units (how Slack counts), cutting
 * at a code point boundary and marking the cut, so a limit is never exceeded by escaping.
 */
export function fitEscaped(text: string, max: number): string {
  const clean = cleanText(text);
  const escaped = escapeControl(clean);
  if (escaped.length <= max) return escaped;
  let out = '';
  for (const ch of clean) {
    const piece = escapeControl(ch);
    if (out.length + piece.length + ELLIPSIS.length > max) break;
    out += piece;
  }
  return out + ELLIPSIS;
}

/** Cuts already-built mrkdwn (escaped text plus our markup) at a code point boundary. */
export function fitMarkup(markup: string, max: number): string {
  if (markup.length <= max) return markup;
  let out = '';
  for (const ch of markup) {
    if (out.length + ch.length + ELLIPSIS.length > max) break;
    out += ch;
  }
  // Never leave half an entity (`&am`) behind.
  return out.replace(/&[a-z]{0,4}$/, '') + ELLIPSIS;
}

/** Cuts plain text that is not rendered (input values, metadata) to `max` UTF-16 units. */
export function fitRaw(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
}

const SPECIAL_MENTIONS: Record<string, string> = { '!here': '@here', '!channel': '@channel', '!everyone': '@everyone' };

/**
 * The text a member typed after a slash command, as they typed it: Slack's `<…>` forms become
 * their visible text (`<@U1|ana>` → `@ana`, `<https://x.io|x.io>` → `https://x.io`,
 * `<!channel>` → `@channel`), except channel references, which the core's channel option reads
 * as `<#C123|name>`; then `&lt;` `&gt;` `&amp;` are decoded (in that order, so `&amp;lt;` stays
 * `&lt;`).
 */
export function decodeCommandText(text: string): string {
  const unwrapped = text.replace(/<([^<>]*)>/g, (whole, inner: string) => {
    const bar = inner.indexOf('|');
    const target = bar >= 0 ? inner.slice(0, bar) : inner;
    const label = bar >= 0 ? inner.slice(bar + 1) : undefined;
    if (target.startsWith('#')) return whole;
    if (target.startsWith('@')) return `@${label ?? target.slice(1)}`;
    if (target.startsWith('!')) {
      const special = SPECIAL_MENTIONS[target];
      if (special) return special;
      if (target.startsWith('!subteam^')) return label ?? '@team';
      return label ?? '';
    }
    if (/^https?:\/\//i.test(target)) return target;
    if (/^mailto:/i.test(target)) return label ?? target.slice('mailto:'.length);
    return label ?? target;
  });
  return unwrapped.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}
