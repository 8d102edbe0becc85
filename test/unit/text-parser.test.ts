import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseCommandText, tokenize } from '../../src/core/text-parser.ts';
import { createCommandRegistry } from '../../commands/index.ts';
import { UserError } from '../../src/domain/errors.ts';

const registry = createCommandRegistry();

function refusal(fn: () => unknown): UserError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UserError) return error;
    throw error;
  }
  throw new Error('expected a UserError');
}

describe('tokenize', () => {
  it('keeps quoted spaces, named values and escapes', () => {
    expect(tokenize('a "b c" title:"Rust 101" \'d e\' “中文 标题” x:y "q\\"x"')).toEqual([
      { text: 'a' },
      { text: 'b c' },
      { text: 'title:Rust 101', named: { name: 'title', value: 'Rust 101' } },
      { text: 'd e' },
      { text: '中文 标题' },
      { text: 'x:y', named: { name: 'x', value: 'y' } },
      { text: 'q"x' },
    ]);
  });

  it('refuses an unclosed quote with a code the reply can explain', () => {
    expect(refusal(() => tokenize('title:"Rust')).code).toBe('unbalancedQuote');
  });

  it('does not read a URL as a named option', () => {
    expect(tokenize('https://example.com')[0]).toEqual({ text: 'https://example.com', named: { name: 'https', value: '//example.com' } });
  });
});

describe('parseCommandLine', () => {
  it('binds positional words in declaration order and the rest to a rest option', () => {
    const parsed = parseCommandLine(registry, '/rate 1 4 great course, loved it');
    expect(parsed.command.id).toBe('rate');
    expect(parsed.options).toEqual({ course: '1', stars: '4', review: 'great course, loved it' });
  });

  it('accepts name:value anywhere and subcommands', () => {
    const parsed = parseCommandLine(registry, '/course add value:10 title:"Rust 101" url:https://example.com/x');
    expect(parsed.command.id).toBe('course.add');
    expect(parsed.options).toEqual({ title: 'Rust 101', value: '10', url: 'https://example.com/x' });
  });

  it('treats an undeclared name:value as a positional word', () => {
    expect(parseCommandLine(registry, '/enroll https://x').options).toEqual({ course: 'https://x' });
  });

  it('normalises full-width input (NFKC) before parsing', () => {
    expect(parseCommandLine(registry, '／ｒａｔｅ　＃１　５').options).toEqual({ course: '#1', stars: '5' });
  });

  it('refuses unknown commands, unknown subcommands, extra and duplicate arguments', () => {
    expect(refusal(() => parseCommandLine(registry, '/nope')).code).toBe('unknownCommand');
    expect(refusal(() => parseCommandLine(registry, '/course fly')).vars).toMatchObject({ subcommand: 'fly', choices: 'add, edit, archive, unarchive, show' });
    expect(refusal(() => parseCommandLine(registry, '/enroll 1 2')).code).toBe('tooManyArguments');
    expect(refusal(() => parseCommandLine(registry, '/enroll course:1 course:2')).code).toBe('duplicateOption');
    expect(refusal(() => parseCommandLine(registry, '')).code).toBe('unknownCommand');
  });

  it('refuses a line longer than the limit before tokenizing it', () => {
    expect(refusal(() => parseCommandLine(registry, `/courses ${'x'.repeat(5000)}`)).code).toBe('lineTooLong');
  });

  it('reads `group sub:value` as the subcommand with its first argument', () => {
    const parsed = parseCommandLine(registry, '/settings locale:zh-CN');
    expect(parsed.command.id).toBe('settings.locale');
    expect(parsed.options).toEqual({ locale: 'zh-CN' });
  });

  it('parses Slack-style name and text apart with the same grammar', () => {
    expect(parseCommandText(registry, '/score', '#2').options).toEqual({ course: '#2' });
    expect(parseCommandText(registry, 'course', 'edit 3 title:"New"').command.id).toBe('course.edit');
  });
});
