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

export interface ClipOptions {
  /** What marks a cut, counted within `max`; '' for none. Default `…`. */
  ellipsis?: string;
  /**
   * How `max` counts: code points (every limit of ours, the default) or UTF-16 units (how
   * Discord and Slack count, never fewer than code points).
   */
  units?: 'code-points' | 'utf16';
  /**
   * A markup's escaping, applied to the text (it must escape each character on its own, as
   * entity escaping does): the result is measured escaped, and no escape is cut in half.
   */
  escape?: (text: string) => string;
}

/**
 * The one way text is shortened: at most `max` units, cut at a code point boundary (never
 * between the halves of an emoji), the cut marked with an ellipsis.
 */
export function clip(text: string, max: number, options: ClipOptions = {}): string {
  const { ellipsis = '…', units = 'code-points', escape } = options;
  if (!escape && Number.isFinite(max)) {
    // No more UTF-16 units than the limit means no more code points either: most texts stop here.
    if (text.length <= max) return text;
    if (units === 'code-points') return clipCodePoints(text, max, ellipsis);
  }
  return clipByDefinition(text, max, options);
}

/** What `clip` means, and what its shortcuts must agree with: measure the whole, then cut piece by piece. */
export function clipByDefinition(text: string, max: number, options: ClipOptions = {}): string {
  const { ellipsis = '…', units = 'code-points', escape } = options;
  const size = units === 'utf16' ? (piece: string) => piece.length : charLength;
  const whole = escape ? escape(text) : text;
  if (size(whole) <= max) return whole;
  const budget = max - size(ellipsis);
  if (budget < 0) return '';
  let out = '';
  let used = 0;
  for (const ch of text) {
    const piece = escape ? escape(ch) : ch;
    used += size(piece);
    if (used > budget) break;
    out += piece;
  }
  return out + ellipsis;
}

/**
 * clip() for plain text counted in code points, walking only as far as the limit instead of the
 * whole text (descriptions run to 1,000 characters and a catalog page shows eight).
 */
function clipCodePoints(text: string, max: number, ellipsis: string): string {
  const budget = max - charLength(ellipsis);
  let cut = 0;
  let count = 0;
  for (let i = 0; i < text.length; ) {
    // A surrogate pair is one code point, as `for…of` counts them; a lone surrogate is one too.
    const unit = text.charCodeAt(i);
    i += unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length && isLowSurrogate(text.charCodeAt(i + 1)) ? 2 : 1;
    count++;
    if (count <= budget) cut = i;
    if (count > max) return budget < 0 ? '' : text.slice(0, cut) + ellipsis;
  }
  return text;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
