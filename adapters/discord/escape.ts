import { safeText } from '../shared/text.ts';

const URL_PATTERN = /https?:\/\/[^\s<>]+/g;
/** Characters that start markdown, a mention or a masked link anywhere in a line. */
const INLINE = /[\\*_~`|[\]<@]/g;
/** Headings, quotes and lists, which only count at the start of a line. */
const LINE_START = /^(\s*)(#{1,3}(?=\s)|>{1,3}(?=\s)|[-+](?=\s)|\d+(?=\.\s))/gm;

/**
 * Replies are plain text; Discord reads message content, embed descriptions, titles and field
 * texts as markdown. A backslash before punctuation shows the character as typed, so
 * `**bold**`, `# heading`, `[bank](https://evil)`, `@everyone` and `<@&role>` appear literally
 * instead of formatting, linking or highlighting. Bare links are left whole so they still work.
 * (What stops pings is `allowed_mentions` with `parse: []` on every message: render.ts.)
 * One linear pass: replies can hold thousands of characters of member text.
 */
export function escapeText(raw: string): string {
  const text = safeText(raw);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    out += escapePlain(text.slice(last, match.index));
    out += match[0];
    last = match.index + match[0].length;
  }
  return out + escapePlain(text.slice(last));
}

function escapePlain(text: string): string {
  if (text === '') return text;
  return text.replace(INLINE, '\\$&').replace(LINE_START, (_, space: string, mark: string) => (/\d/.test(mark) ? `${space}${mark}\\` : `${space}\\${mark}`));
}
