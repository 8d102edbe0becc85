import { z } from 'zod';
import { charLength, LIMITS } from '../domain/limits.ts';
import { UserError, UserErrorCode, type MessageVars } from '../domain/errors.ts';

/**
 * One declaration per option drives everything: its zod schema validates text and typed input
 * alike, and its metadata builds Discord's registration, Slack and console parsing, forms and
 * /help. Descriptions live in the catalog at `commands:<command>.options.<name>`.
 */
export type OptionKind = 'string' | 'integer' | 'number' | 'boolean' | 'course' | 'channel' | 'role';

export interface OptionSpec<T = unknown> {
  kind: OptionKind;
  required: boolean;
  /** In text form, takes every remaining positional word (a review, a search query). */
  rest: boolean;
  minValue?: number;
  maxValue?: number;
  maxLength?: number;
  choices?: readonly string[];
  /** Comma-separated list in text form (tags); limits apply to each item and to the count. */
  list?: { maxItems: number };
  /** Platforms offer completions (Discord autocomplete); the core answers them. */
  autocomplete: boolean;
  schema: z.ZodType<T>;
}

export type OptionMap = Record<string, OptionSpec>;
export type OptionValues<O extends OptionMap> = { [K in keyof O]: O[K] extends OptionSpec<infer T> ? T : never };

interface Common {
  rest?: boolean;
}

const trimmed = (value: unknown) => (typeof value === 'string' ? value.trim() : value);

/** Length checked in code points so Chinese text and emoji count one each. */
function maxChars(max: number) {
  return (ctx: z.core.ParsePayload<string>) => {
    if (charLength(ctx.value) > max) {
      ctx.issues.push({ code: 'too_big', origin: 'string', maximum: max, inclusive: true, input: ctx.value });
    }
  };
}

function numberFromText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (!/^[+-]?(\d+(\.\d+)?|\.\d+)$/.test(text)) return text;
  return Number(text);
}

function finish<T>(spec: Omit<OptionSpec<T>, 'required' | 'schema' | 'rest' | 'autocomplete'> & Common & { autocomplete?: boolean }, schema: z.ZodType<T>) {
  return {
    required(): OptionSpec<T> {
      return { ...spec, rest: spec.rest ?? false, autocomplete: spec.autocomplete ?? false, required: true, schema };
    },
    optional(): OptionSpec<T | undefined> {
      return { ...spec, rest: spec.rest ?? false, autocomplete: spec.autocomplete ?? false, required: false, schema: schema.optional() };
    },
  };
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * `2026-12-01`, `2026-12-01 18:00` (UTC) or ISO 8601 with an offset (`2026-12-01T18:00+08:00`).
 * Impossible dates (`2026-02-30`, `25:00`) are refused rather than rolled over as Date would.
 */
export function parseDateTime(text: string): Date | null {
  const match = DATE_TIME.exec(text);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  const utc = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  const sameFields =
    utc.getUTCFullYear() === year && utc.getUTCMonth() === month - 1 && utc.getUTCDate() === day && utc.getUTCHours() === hour && utc.getUTCMinutes() === minute && utc.getUTCSeconds() === second;
  if (!sameFields) return null;
  const zone = match[7]?.toUpperCase();
  if (!zone || zone === 'Z') return utc;
  const offset = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const [hours, minutes] = [Number(offset[2]), Number(offset[3])];
  if (hours > 14 || minutes > 59) return null;
  const sign = offset[1] === '-' ? -1 : 1;
  return new Date(utc.getTime() - sign * (hours * 60 + minutes) * 60_000);
}

export const option = {
  string(opts: Common & { maxLength: number; minLength?: number }) {
    const schema = z.preprocess(trimmed, z.string().min(opts.minLength ?? 1).check(maxChars(opts.maxLength)));
    return finish<string>({ kind: 'string', maxLength: opts.maxLength, rest: opts.rest }, schema);
  },
  integer(opts: Common & { min: number; max: number }) {
    const schema = z.preprocess(numberFromText, z.int().min(opts.min).max(opts.max));
    return finish<number>({ kind: 'integer', minValue: opts.min, maxValue: opts.max, rest: opts.rest }, schema);
  },
  number(opts: Common & { min: number; max: number }) {
    const schema = z.preprocess(numberFromText, z.number().min(opts.min).max(opts.max));
    return finish<number>({ kind: 'number', minValue: opts.min, maxValue: opts.max, rest: opts.rest }, schema);
  },
  choice<const C extends readonly [string, ...string[]]>(choices: C) {
    const schema = z.preprocess((v) => (typeof v === 'string' ? v.trim().toLowerCase() : v), z.enum(choices));
    return finish<C[number]>({ kind: 'string', choices }, schema as z.ZodType<C[number]>);
  },
  /** A course named by number (`3`, `#3`) or title prefix; resolved by the command. */
  course() {
    const schema = z.preprocess(
      (v) => (typeof v === 'number' ? String(v) : trimmed(v)),
      z.string().min(1).check(maxChars(LIMITS.courseRefLength)),
    );
    return finish<string>({ kind: 'course', maxLength: LIMITS.courseRefLength, autocomplete: true }, schema);
  },
  url() {
    const schema = z.preprocess(
      trimmed,
      z.string().check(maxChars(LIMITS.urlLength)).pipe(z.url({ protocol: /^https?$/, hostname: z.regexes.domain })),
    );
    return finish<string>({ kind: 'string', maxLength: LIMITS.urlLength }, schema);
  },
  tags() {
    const schema = z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v.split(/[,，、]/).map((t) => t.trim().replace(/^#/, '')).filter((t) => t.length > 0)
          : v,
      z.array(z.string().check(maxChars(LIMITS.tagLength))).max(LIMITS.tagCount),
    );
    return finish<string[]>({ kind: 'string', maxLength: LIMITS.tagLength * LIMITS.tagCount + LIMITS.tagCount * 2, list: { maxItems: LIMITS.tagCount } }, schema);
  },
  /** A date and time; without an offset it is read as UTC. */
  dateTime() {
    const schema = z.preprocess(trimmed, z.string().max(LIMITS.dateTimeLength)).transform((text, ctx) => {
      const date = parseDateTime(text);
      if (!date) {
        ctx.issues.push({ code: 'custom', input: text, params: { userError: UserErrorCode.InvalidDate } });
        return z.NEVER;
      }
      return date;
    });
    return finish<Date>({ kind: 'string', maxLength: LIMITS.dateTimeLength }, schema);
  },
  boolean() {
    const schema = z.preprocess((v) => {
      if (typeof v !== 'string') return v;
      const word = v.trim().toLowerCase();
      if (['true', 'yes', 'on', '1', '是', '开'].includes(word)) return true;
      if (['false', 'no', 'off', '0', '否', '关'].includes(word)) return false;
      return v;
    }, z.boolean());
    return finish<boolean>({ kind: 'boolean' }, schema);
  },
  /** A channel: a Discord channel id, a Slack `<#C123|name>` or a plain id on the console. */
  channel() {
    const schema = z.preprocess(
      (v) => (typeof v === 'string' ? v.trim().replace(/^<#([A-Z0-9]+)(\|[^>]*)?>$/i, '$1').replace(/^#/, '') : v),
      z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
    );
    return finish<string>({ kind: 'channel' }, schema);
  },
  /**
   * A role: a Discord role id (typed, or `<@&123>` in text), a Slack user group (`<!subteam^S1|@g>`)
   * or a console role name (`premium`, `@premium`). Only what names the role; never proof of holding it.
   */
  role() {
    const schema = z.preprocess(
      (v) =>
        typeof v === 'string'
          ? v
              .trim()
              .replace(/^<@&(\d+)>$/, '$1')
              .replace(/^<!subteam\^([A-Z0-9]+)(\|[^>]*)?>$/i, '$1')
              .replace(/^@/, '')
          : v,
      z.string().regex(/^[\p{L}\p{N}_.-]{1,64}$/u),
    );
    return finish<string>({ kind: 'role' }, schema);
  },
};

/** Turns the first zod issue into the member-facing error for option `name`. */
export function optionError(name: string, spec: OptionSpec, issue: z.core.$ZodIssue): UserError {
  const range: MessageVars = spec.minValue !== undefined && spec.maxValue !== undefined ? { min: spec.minValue, max: spec.maxValue } : {};
  const fail = (code: UserErrorCode, vars: MessageVars = {}) => new UserError(code, { option: name, ...range, ...vars }, name);
  switch (issue.code) {
    case 'too_big': {
      const max = Number(issue.maximum);
      if (issue.origin === 'array') return fail(UserErrorCode.TooManyItems, { max });
      if (issue.origin === 'string') return fail(UserErrorCode.OptionTooLong, { max });
      return fail(UserErrorCode.NumberTooLarge, { max });
    }
    case 'too_small':
      if (issue.origin === 'string') return fail(UserErrorCode.MissingOption);
      return fail(UserErrorCode.NumberTooSmall, { min: Number(issue.minimum) });
    case 'invalid_type':
      if (issue.expected === 'int') return fail(UserErrorCode.NotAWholeNumber);
      if (issue.expected === 'number') return fail(spec.kind === 'integer' ? UserErrorCode.NotAWholeNumber : UserErrorCode.NotANumber);
      if (spec.kind === 'boolean') return fail(UserErrorCode.InvalidChoice, { choices: 'on, off' });
      return fail(UserErrorCode.InvalidOption);
    case 'invalid_value':
      return fail(UserErrorCode.InvalidChoice, { choices: issue.values.map(String).join(', ') });
    case 'invalid_format':
      return fail(issue.format === 'url' ? UserErrorCode.InvalidUrl : UserErrorCode.InvalidOption);
    case 'custom':
      return fail((issue.params as { userError?: UserErrorCode } | undefined)?.userError ?? UserErrorCode.InvalidOption);
    default:
      return fail(UserErrorCode.InvalidOption);
  }
}

/** Validates raw option values (text or typed) against the declaration; throws the first error. */
export function parseOptions<O extends OptionMap>(specs: O, raw: Record<string, unknown>): OptionValues<O> {
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(specs)) {
    let input = raw[name];
    if (typeof input === 'string' && input.trim() === '') input = undefined;
    if (input === undefined || input === null) {
      if (spec.required) throw new UserError(UserErrorCode.MissingOption, { option: name }, name);
      values[name] = undefined;
      continue;
    }
    const result = spec.schema.safeParse(input);
    if (!result.success) throw optionError(name, spec, result.error.issues[0]!);
    values[name] = result.data;
  }
  for (const name of Object.keys(raw)) {
    if (!Object.hasOwn(specs, name)) throw new UserError(UserErrorCode.UnknownOption, { option: name }, name);
  }
  return values as OptionValues<O>;
}

/**
 * Validates only the options that were given, for a command about to open a form that asks for
 * the rest: what rides along unseen (the course being edited) is checked like any other input.
 */
export function parseGivenOptions(specs: OptionMap, raw: Record<string, unknown>): Record<string, unknown> {
  const allOptional: OptionMap = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { ...spec, required: false }]));
  return parseOptions(allOptional, raw);
}
