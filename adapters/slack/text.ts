import { fit, safeText } from '../shared/text.ts';

/**
 * Text in and out of Slack. Outgoing: Slack reads `&`, `<` and `>` as control characters in
 * every text field (`<!channel>` pings, `<@U123>` mentions, `<https://evil|bank>` disguises a
 * link), so all text we send is escaped first and only then gets our own markup. Incoming:
 * slash command text arrives entity-escaped, with mentions and links in Slack's `<…>` form.
 */
/** Text made inert for any Slack text field: made safe (shared/text.ts), then `&`, `<`, `>` as entities. */
export function escapeText(text: string): string {
  return escapeEntities(safeText(text));
}

/** Slack's own escaping; it escapes each character on its own, so `fit` can cut between them. */
function escapeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escaped text within `max` UTF-16 units: the limit holds after escaping, and no entity is cut in half. */
export function fitEscaped(text: string, max: number): string {
  return fit(safeText(text), max, { escape: escapeEntities });
}

/** Already-built mrkdwn (escaped text plus our markup) within `max`, never leaving half an entity (`&am`) behind. */
export function fitMarkup(markup: string, max: number): string {
  const cut = fit(markup, max);
  return cut === markup ? cut : `${cut.slice(0, -1).replace(/&[a-z]{0,4}$/, '')}…`;
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
