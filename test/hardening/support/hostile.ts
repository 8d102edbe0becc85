import fc from 'fast-check';

/**
 * Text an attacker or a clumsy member might type: terminal escapes (CSI, OSC, DCS, C1),
 * C0 controls, bidi overrides, chat mentions and markup, template syntax, lone surrogates.
 */
export const HOSTILE_TEXTS: readonly string[] = [
  '@everyone <!channel> \u001b[31mred',
  '\u001b[31mred\u001b[0m',
  '\u001b[2J\u001b[H cleared',
  '\u001b]0;pwned title\u0007',
  '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\',
  '\u001bP+q544e\u001b\\',
  '\u009b31mC1 CSI',
  '\u009d0;C1 OSC\u009c',
  '\u0000NUL\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008',
  'tab\tand\u000bvt\u000cff',
  '\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001c\u001d\u001e\u001f',
  'del\u007f',
  '\u0085\u0080\u008f\u0090\u009f',
  'bidi \u202eevil.exe\u202c gpj.',
  '\u2066isolate\u2069 \u2067rtl\u2069 \u2068fsi\u2069',
  '\u200e\u200f\u061c marks',
  '\u202a\u202b\u202d embeds',
  '<@&123456789012345678> <@U123> <!here> <https://evil.example|bank>',
  '&amp; &lt; &gt; *bold* _it_ ~strike~ `code` ```block```',
  '{{option}} {{ max }} $t(errors:unexpected) %s %d',
  '__proto__',
  'constructor',
  '\ud800 lone high',
  'lone low \udfff',
  '\ufeff\u200b\u200d zero width',
  '👩‍💻🦀🇨🇳 emoji',
  '中文课程标题',
  'مرحبا بالعالم',
  '１２３ ＃１ ｔｉｔｌｅ：ｘ',
  'e\u0301\u0301\u0301\u0301 combining',
  '\ufdfa\ufdfa',
];

export const COMMAND_HEADS: readonly string[] = [
  '/courses',
  '/enroll',
  '/unenroll',
  '/rate',
  '/score',
  '/mycourses',
  '/help',
  '/course add',
  '/course edit',
  '/course archive',
  '/course unarchive',
  '/course',
  '/COURSE ADD',
  'courses',
  '／ｃｏｕｒｓｅｓ',
  '/',
  '',
  '/nope',
  '/course nope',
  '/constructor',
  '/__proto__',
];

export const OPTION_NAMES: readonly string[] = [
  'course',
  'stars',
  'review',
  'title',
  'description',
  'url',
  'tags',
  'value',
  'starts',
  'query',
  'sort',
  'page',
  'command',
  'bogus',
  'constructor',
  '__proto__',
  'toString',
];

const numbers = fc.constantFrom('1', '2', '3', '#1', '＃２', '０', '0', '-1', '5', '6', '1.5', '1e3', '+4', '99999999999', '9'.repeat(40), '0x10', 'NaN', 'Infinity', '.5', '2026-12-01', '2026-12-01 18:00', '2026-13-45T99:99+99:99');
const quotes = fc.constantFrom('"', "'", '“', '”', '‘', '’', '「', '」', '\\', '\\"', '""', "''", '"unclosed', 'x"y', '“a b”', '「括号');
const named = fc.tuple(fc.constantFrom(...OPTION_NAMES), fc.constantFrom(':', '：'), fc.oneof(fc.constant(''), fc.constant('""'), numbers, fc.string({ maxLength: 8 }))).map(([n, c, v]) => `${n}${c}${v}`);
const unicode = fc.string({ unit: 'binary', maxLength: 12 });
const controls = fc.string({ unit: 'binary-ascii', maxLength: 12 });
const hostile = fc.constantFrom(...HOSTILE_TEXTS);

/** One word or piece of a command line. */
export const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: numbers },
  { weight: 3, arbitrary: named },
  { weight: 2, arbitrary: quotes },
  { weight: 3, arbitrary: hostile },
  { weight: 2, arbitrary: unicode },
  { weight: 2, arbitrary: controls },
  { weight: 2, arbitrary: fc.string({ maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom('rust', 'Rust', 'RUST', 'go', 'course', 'https://example.com', 'https://x', 'javascript:alert(1)', 'a,b,c', '#x, #y', 'on', 'off', 'top', 'new') },
);

const separator = fc.constantFrom(' ', ' ', ' ', '  ', '\t', '\u3000', '\u00a0', '');

/** The part after the command name. */
export const argumentText: fc.Arbitrary<string> = fc
  .array(fc.tuple(fragment, separator), { maxLength: 8 })
  .map((parts) => parts.map(([f, s]) => f + s).join(''));

/** Lines far beyond every limit (the brief's 100 KB case, and just around the line limit). */
export const hugeText: fc.Arbitrary<string> = fc
  .tuple(fc.oneof(fragment, hostile), fc.constantFrom(100_000, 4_000, 4_001, 3_999, 10_000))
  .map(([piece, size]) => {
    const unit = piece.length > 0 ? piece : 'x';
    return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
  });

/** A whole command line as typed on the console. */
export const commandLine: fc.Arbitrary<string> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...COMMAND_HEADS), separator, argumentText).map(([h, s, a]) => `${h}${s}${a}`) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...COMMAND_HEADS), hugeText).map(([h, t]) => `${h} ${t}`) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
);

/** Values a Discord option, button or modal might carry, typed or not. */
export const structuredValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fragment },
  { weight: 1, arbitrary: hugeText },
  { weight: 2, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1, 5, 6, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER, 1e21)) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, [], ['a', 'b'], {}, { toString: 'x' }, [1, [2]]) },
);

/** Any text, quoted so the parser reads it back whole (hostile content reaches the commands). */
const quotedText: fc.Arbitrary<string> = fc
  .oneof(hostile, unicode, fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 20 }))
  .map((text) => `"${text.replace(/["\\]/g, '\\$&')}"`);
const courseRef = fc.oneof(fc.constantFrom('1', '2', '3', '4', '5', '6', '7', '42', '#1', '＃３', 'rust', 'Rust 101', 'RUST ADV', 'go', '中文', '"Old course"', 'old'), quotedText);
const maybe = (arb: fc.Arbitrary<string>) => fc.option(arb, { nil: '' });

/** Well-formed commands with hostile values, so the fuzzing reaches the commands' own checks. */
export const plausibleLine: fc.Arbitrary<string> = fc.oneof(
  courseRef.map((r) => `/enroll ${r}`),
  courseRef.map((r) => `/unenroll ${r}`),
  fc.tuple(courseRef, fc.constantFrom('1', '3', '5', '0', '6', '４'), maybe(fc.oneof(quotedText, fragment))).map(([r, s, t]) => `/rate ${r} ${s} ${t}`),
  maybe(courseRef).map((r) => `/score ${r}`),
  fc.tuple(maybe(fc.oneof(quotedText, fragment)), maybe(fc.constantFrom('sort:top', 'sort:new', 'sort:old')), maybe(fc.constantFrom('page:1', 'page:2', 'page:99', 'page:0'))).map(([q, s, p]) => `/courses ${q} ${s} ${p}`),
  fc.constant('/mycourses'),
  maybe(fc.constantFrom('course', 'course add', 'rate', 'nope', '/enroll')).map((c) => `/help ${c}`),
  fc
    .tuple(quotedText, maybe(fc.constantFrom('value:2', 'value:0.1', 'value:0', 'value:1001')), maybe(quotedText.map((t) => `tags:${t}`)), maybe(quotedText.map((t) => `description:${t}`)), maybe(fc.constantFrom('url:https://example.com/x', 'url:ftp://x', 'url:"javascript:alert(1)"', 'starts:2026-12-01', 'starts:nope')))
    .map(([t, v, tags, d, extra]) => `/course add ${t} ${v} ${tags} ${d} ${extra}`),
  fc.tuple(courseRef, maybe(quotedText.map((t) => `title:${t}`)), maybe(fc.constantFrom('value:3', 'tags:""', 'url:https://example.org'))).map(([r, t, x]) => `/course edit ${r} ${t} ${x}`),
  courseRef.map((r) => `/course archive ${r}`),
  courseRef.map((r) => `/course unarchive ${r}`),
);
