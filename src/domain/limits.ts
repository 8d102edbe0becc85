/**
 * Every text and list limit, declared once. Command schemas, forms, stores and the docs read
 * these; lengths count Unicode code points, not bytes or UTF-16 units.
 */
export const LIMITS = {
  titleLength: 120,
  descriptionLength: 1000,
  reviewLength: 500,
  urlLength: 300,
  tagLength: 24,
  tagCount: 8,
  queryLength: 100,
  courseRefLength: 120,
  helpTopicLength: 40,
  dateTimeLength: 40,
  displayNameLength: 80,
  courseValueMax: 1000,
  coursesPerPage: 8,
  maxPage: 10_000,
  /** Longest command line the text parser accepts; longer lines are refused before parsing. */
  commandLineLength: 4000,
} as const;

/** Length in code points, so that a Chinese character or an emoji counts as one. */
export function charLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** Cuts at a code point boundary and marks the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  // A string of at most `max` UTF-16 units has at most `max` characters: most texts stop here.
  if (text.length <= max) return text;
  if (!(max >= 1)) return '…';
  const limit = Math.floor(max);
  // Walk only as far as the limit, never the whole text (descriptions run to 1,000 characters).
  let cut = 0;
  let count = 0;
  for (let i = 0; i < text.length; count++) {
    if (count === limit - 1) cut = i;
    if (count === limit) return `${text.slice(0, cut)}…`;
    const unit = text.charCodeAt(i);
    // A surrogate pair is one character, as `[...text]` counts them; a lone surrogate is one too.
    i += unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1)) ? 2 : 1;
  }
  return text;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
