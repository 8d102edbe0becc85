import stripAnsi from 'strip-ansi';
import { clip, type ClipOptions } from '../../src/domain/limits.ts';

/**
 * C0 and C1 control characters but tab and newline, and every Unicode Bidi_Control character
 * (the overrides and isolates that can reorder a line so it reads as something else).
 */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as every surface may show it: no ANSI escape sequences (colours, cursor moves), no
 * control characters but tab and newline, no bidirectional controls. Member text is data; none
 * of these mean anything in a chat message or a terminal except to hide or reorder what is there.
 */
export function safeText(text: string): string {
  return stripAnsi(text).replace(UNSAFE, '');
}

/** `clip` as Discord and Slack count their limits: in UTF-16 units. */
export function fit(text: string, max: number, options: Omit<ClipOptions, 'units'> = {}): string {
  return clip(text, max, { ...options, units: 'utf16' });
}
