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
  if (charLength(text) <= max) return text;
  return [...text].slice(0, Math.max(0, max - 1)).join('') + '…';
}
