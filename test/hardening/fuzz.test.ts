import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createCommandRegistry } from '../../commands/index.ts';
import { parseCommandLine, parseCommandText, tokenize } from '../../src/core/text-parser.ts';
import { UserError, UserErrorCode } from '../../src/domain/errors.ts';
import { charLength, LIMITS } from '../../src/domain/limits.ts';
import type { CommandInput, CommandRequest, Outcome } from '../../src/core/router.ts';
import { dumpStore, hasVisibleText, openCore, run, type CoreHarness, type Who } from './support/core-harness.ts';
import { argumentText, COMMAND_HEADS, commandLine, fragment, HOSTILE_TEXTS, OPTION_NAMES, plausibleLine, structuredValue } from './support/hostile.ts';

const PARSER_RUNS = 2000;
const CORE_RUNS = 2400;

describe('Input fuzzing: the text parser', () => {
  const registry = createCommandRegistry();

  it(`given ${PARSER_RUNS} arbitrary lines, when parsed, then each is a known command or a member error`, () => {
    let parsed = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.oneof(commandLine, plausibleLine), (line) => {
        try {
          const result = parseCommandLine(registry, line);
          parsed++;
          expect(registry.get(result.command.id)).toBe(result.command);
          for (const name of Object.keys(result.options)) expect(Object.hasOwn(result.command.options, name)).toBe(true);
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
          // Limits count characters (code points), never UTF-16 units or bytes.
          if (error.code === UserErrorCode.LineTooLong) expect(charLength(line)).toBeGreaterThan(LIMITS.commandLineLength);
          refused++;
        }
      }),
      { numRuns: PARSER_RUNS },
    );
    console.log(`fuzz: parser took ${PARSER_RUNS} command lines: ${parsed} parsed, ${refused} refused with a member-facing error, 0 other exceptions`);
    expect(parsed + refused).toBe(PARSER_RUNS);
  });

  it('given Slack-style text for any command name, when parsed, then only member-facing errors are thrown', () => {
    fc.assert(
      fc.property(fc.constantFrom(...COMMAND_HEADS, ...HOSTILE_TEXTS), argumentText, (name, text) => {
        try {
          parseCommandText(registry, name, text);
        } catch (error) {
          if (!(error instanceof UserError)) throw error;
        }
      }),
      { numRuns: 500 },
    );
  });

  it('given any value, when quoted with escapes, then the tokenizer gives it back unchanged', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fragment), (value) => {
        const quoted = `"${value.replace(/["\\]/g, '\\$&')}"`;
        expect(tokenize(`title:${quoted}`)).toEqual([{ text: `title:${value}`, named: { name: 'title', value } }]);
        expect(tokenize(`/rate 1 ${quoted}`).map((t) => t.text)).toEqual(['/rate', '1', value]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('Input fuzzing: the command core on a real SQLite file', () => {
  let h: CoreHarness;
  const guild = '900000000000000001';
  const member: Who = { platform: 'discord', community: guild, member: 'ana' };
  const other: Who = { platform: 'discord', community: guild, member: 'bo' };
  const moderator: Who = { platform: 'discord', community: guild, member: 'mod', moderator: true };
  const zhMember: Who = { platform: 'discord', community: guild, member: 'li', locale: 'zh-CN' };
  const slackMember: Who = { platform: 'slack', community: 'T0001', member: 'U0001' };
  const slackModerator: Who = { platform: 'slack', community: 'T0001', member: 'U0002', moderator: true };
  const operator: Who = { platform: 'console', community: 'local', member: 'you', moderator: true };
  const everyone = [member, other, moderator, zhMember, slackMember, slackModerator, operator];

  beforeAll(async () => {
    h = openCore();
    // Members who have used the bot before, and a catalog with room for every kind of refusal:
    // ambiguous prefixes, an archived course, hostile titles, ratings and enrollments.
    for (const who of everyone) expect((await run(h.core, who, '/help')).outcome).toBe('ok');
    for (const mod of [moderator, slackModerator, operator]) {
      for (const line of [
        '/course add "Rust 101" value:2 tags:rust,systems url:https://example.com/rust',
        '/course add "Rust Advanced" description:"ownership, lifetimes"',
        '/course add "Go 101" starts:2026-12-01',
        '/course add 中文课程 tags:中文',
        `/course add "${HOSTILE_TEXTS[0]}"`,
        '/course add "Old course"',
        '/course archive 6',
      ]) {
        expect((await run(h.core, mod, line)).outcome).toBe('ok');
      }
    }
    for (const [who, line] of [
      [member, '/enroll 1'],
      [member, '/enroll 2'],
      [member, '/rate 1 4 solid'],
      [other, '/enroll 1'],
      [other, '/rate 1 5'],
      [slackMember, '/enroll 3'],
    ] as const) {
      expect((await run(h.core, who, line)).outcome).toBe('ok');
    }
  });
  afterAll(async () => h.dispose());

  async function memberIsCounted(actor: Who): Promise<boolean> {
    const community = await h.store.findCommunity({ platform: actor.platform, externalId: actor.community });
    return community !== null && (await h.store.findMember(community.id, actor.member)) !== null;
  }

  // Regulars, and newcomers whose very first command may be one of the hostile ones.
  const newcomer = fc.nat(40).map((i): Who => ({ platform: 'discord', community: guild, member: `newcomer-${i}` }));
  const who = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...everyone) }, { weight: 1, arbitrary: newcomer });
  const input: fc.Arbitrary<CommandInput> = fc.oneof(
    { weight: 4, arbitrary: commandLine.map((line): CommandInput => ({ kind: 'line', line })) },
    { weight: 4, arbitrary: plausibleLine.map((line): CommandInput => ({ kind: 'line', line })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...COMMAND_HEADS.map((h) => h.split(' ')[0]!)), argumentText).map(([command, text]): CommandInput => ({ kind: 'text', command, text })) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(
          fc.constantFrom(...createCommandRegistry().list().map((c) => c.id), 'course', 'nope', '__proto__', ...HOSTILE_TEXTS.slice(0, 3)),
          fc.dictionary(fc.constantFrom(...OPTION_NAMES), structuredValue, { maxKeys: 5 }),
        )
        .map(([command, options]): CommandInput => ({ kind: 'structured', command, options })),
    },
  );
  const surface = fc.record({ forms: fc.boolean(), buttons: fc.boolean() });

  it(`given ${CORE_RUNS} hostile inputs, when handled, then all answered; refusals add only the sender`, async () => {
    const outcomes: Partial<Record<Outcome, number>> = {};
    const kinds: Record<CommandInput['kind'], number> = { line: 0, text: 0, structured: 0 };
    let escapes = 0;
    let refusedUnchanged = 0;
    await fc.assert(
      fc.asyncProperty(who, input, surface, async (actor, commandInput, shownOn) => {
        kinds[commandInput.kind]++;
        const request: CommandRequest = {
          community: { platform: actor.platform, externalId: actor.community, name: `${actor.platform} ${actor.community}` },
          actor: { externalId: actor.member, displayName: actor.member, isModerator: actor.moderator ?? false, ...(actor.locale ? { locale: actor.locale } : {}) },
          input: commandInput,
          surface: actor.platform === 'console' ? { forms: false, buttons: false } : shownOn,
          rateLimited: false,
        };
        const before = dumpStore(h.store, actor);
        let result;
        try {
          result = await h.core.router.handle(request);
        } catch (error) {
          escapes++;
          throw error;
        }
        outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
        expect(result.outcome, `unexpected failure: ${JSON.stringify(h.logger.errors().at(-1)?.obj, (_k, v: unknown) => (v instanceof Error ? v.stack : v))}`).not.toBe('error');
        expect(hasVisibleText(result.reply)).toBe(true);
        if (result.outcome === 'user-error') {
          // A refused command changes nothing but its sender's membership, which it creates.
          expect(dumpStore(h.store, actor)).toBe(before);
          expect(await memberIsCounted(actor)).toBe(true);
          refusedUnchanged++;
        }
      }),
      { numRuns: CORE_RUNS },
    );
    const refused = outcomes['user-error'] ?? 0;
    console.log(
      `fuzz: ${CORE_RUNS} command inputs (${kinds.line} lines, ${kinds.text} Slack texts, ${kinds.structured} structured), ${escapes} escapes, ` +
        `${refused} refused, nothing but the sender's membership changed for all refused (${refusedUnchanged}/${refused}); outcomes ${JSON.stringify(outcomes)}`,
    );
    expect(escapes).toBe(0);
    expect(refusedUnchanged).toBe(refused);
    expect(h.logger.errors()).toEqual([]);
  });

  it('given first-time members, when refused at any check, then they count in N and nothing else', async () => {
    const refusedEarly = ['/rate 1 9', '/enroll', '/course add "x"', '/courses page:0', '/nope', '/rate "unclosed', `/courses ${'x'.repeat(5000)}`];
    const community = (await h.store.findCommunity({ platform: 'discord', externalId: guild }))!;
    for (const [i, line] of refusedEarly.entries()) {
      const first: Who = { platform: 'discord', community: guild, member: `first-timer-${i}` };
      const n = await h.store.countMembers(community.id);
      const before = dumpStore(h.store, first);
      const result = await run(h.core, first, line);
      expect(result.outcome, line).toBe('user-error');
      expect(dumpStore(h.store, first), line).toBe(before);
      expect(await h.store.countMembers(community.id), line).toBe(n + 1);
    }
  });

  it('given hostile partial text, when completions are asked, then at most 25 short ones, no throw', async () => {
    const before = dumpStore(h.store);
    await fc.assert(
      fc.asyncProperty(who, fc.oneof(fragment, fc.string({ unit: 'binary', maxLength: 200 })), async (actor, partial) => {
        const suggestions = await h.core.router.autocomplete(
          { community: { platform: actor.platform, externalId: actor.community, name: actor.community }, actor: { externalId: actor.member, displayName: actor.member, isModerator: false } },
          partial,
        );
        expect(suggestions.length).toBeLessThanOrEqual(25);
        for (const s of suggestions) {
          expect([...s.name].length).toBeLessThanOrEqual(100);
          expect(s.value).toMatch(/^\d+$/);
        }
      }),
      { numRuns: 500 },
    );
    // Completions only read.
    expect(dumpStore(h.store)).toBe(before);
    expect(h.logger.entries.filter((r) => r.msg === 'autocomplete failed')).toEqual([]);
  });
});
