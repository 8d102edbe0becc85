import { z } from 'zod';
import { COMMAND_ID, OPTION_NAME } from '../../src/core/command.ts';
import type { CommandInvocation } from '../../src/domain/reply.ts';

/**
 * What a button carries: the command it runs, as versioned JSON in the button's `value`. The
 * value comes back from Slack in the click, so it is validated like any other input, and the
 * core checks the member's permission again; the button is a shortcut, never a grant.
 */
export const ACTION_PREFIX = 'syllabot:';
/** Runs the invocation in the value and answers with a new message. */
export const RUN_ACTION = `${ACTION_PREFIX}run`;
/** Turns a page: the answer replaces the message when only the clicker sees it. */
export const PAGE_ACTION = `${ACTION_PREFIX}page`;

/** Slack's limit on a button's value. */
export const BUTTON_VALUE_MAX = 2000;
const VERSION = 1;

const invocationSchema = z.object({
  v: z.literal(VERSION),
  c: z.string().regex(COMMAND_ID),
  o: z.record(z.string().regex(OPTION_NAME), z.union([z.string().max(BUTTON_VALUE_MAX), z.number(), z.boolean()])),
});

/** The button value for an invocation, or undefined when it would not fit in a button. */
export function encodeInvocation(invoke: CommandInvocation): string | undefined {
  const value = JSON.stringify({ v: VERSION, c: invoke.command, o: invoke.options });
  return value.length <= BUTTON_VALUE_MAX ? value : undefined;
}

/** The invocation in a clicked button's value, or undefined for anything we did not write. */
export function decodeInvocation(value: string | undefined): CommandInvocation | undefined {
  if (!value || value.length > BUTTON_VALUE_MAX) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = invocationSchema.safeParse(json);
  return parsed.success ? { command: parsed.data.c, options: parsed.data.o } : undefined;
}

/** What a modal remembers between opening and submission (Slack keeps it, 3000 characters). */
export const PRIVATE_METADATA_MAX = 3000;

const formMetadataSchema = z.object({
  v: z.literal(VERSION),
  c: invocationSchema.shape.c,
  /** Options fixed when the form opened (the course being edited). */
  o: z.record(z.string().regex(OPTION_NAME), z.string().max(1000)),
  /** The channel the form was opened from, for the confirmation. */
  ch: z.string().regex(/^[A-Z0-9]{1,32}$/).optional(),
});

export interface FormMetadata {
  command: string;
  options: Record<string, string>;
  channelId?: string | undefined;
}

export function encodeFormMetadata(meta: FormMetadata): string | undefined {
  const value = JSON.stringify({ v: VERSION, c: meta.command, o: meta.options, ...(meta.channelId ? { ch: meta.channelId } : {}) });
  return value.length <= PRIVATE_METADATA_MAX ? value : undefined;
}

export function decodeFormMetadata(value: string | undefined): FormMetadata | undefined {
  if (!value) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    return undefined;
  }
  const parsed = formMetadataSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return { command: parsed.data.c, options: parsed.data.o, ...(parsed.data.ch ? { channelId: parsed.data.ch } : {}) };
}
