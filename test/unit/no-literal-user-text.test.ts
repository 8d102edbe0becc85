import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanFiles, scanSource, sourceFiles, type Finding } from '../support/user-text-literals.ts';

/**
 * Issue 11: "No user text left as a string literal in commands, adapters or jobs." Every reply,
 * label, title, footer, modal and post a member reads comes from locales/<locale>/*.json. The
 * core (src/core) builds replies too, so it is held to the same rule.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCANNED = ['commands', 'adapters', 'jobs', 'src/core'];

/**
 * The justified exceptions, each with its reason. Keep this short: a new entry needs a reason
 * a reviewer accepts, and an entry nothing matches any more fails the second test.
 */
const ALLOWED: readonly { file: string; literal: string; why: string }[] = [
  {
    file: 'adapters/slack/manifest.ts',
    literal: "'Syllabot'",
    why: 'The app and bot user name in the Slack manifest: a brand, the same in every language.',
  },
  ...["'是'", "'开'", "'否'", "'关'"].map((literal) => ({
    file: 'src/core/options.ts',
    literal,
    why: 'Words a member may type for yes/no (on/off) options: input vocabulary, never shown.',
  })),
];

const allowed = (f: Finding) => ALLOWED.some((a) => a.file === f.file && a.literal === f.literal);
const shown = (findings: Finding[]) => findings.map((f) => `${f.file}:${f.line} ${f.why}: ${f.literal}`);

describe('no user-facing text as literals in commands, adapters, jobs and the core', () => {
  const findings = scanFiles(ROOT, sourceFiles(ROOT, SCANNED));

  it('given every source file, when scanned, then no member-facing text is written in code', () => {
    expect(sourceFiles(ROOT, SCANNED).length).toBeGreaterThan(50);
    expect(shown(findings.filter((f) => !allowed(f)))).toEqual([]);
  });

  it('given the allow-list, when the sources are scanned, then every exception is still needed', () => {
    const unused = ALLOWED.filter((a) => !findings.some((f) => f.file === a.file && f.literal === a.literal));
    expect(unused).toEqual([]);
  });
});

describe('the scanner', () => {
  const flagged = (source: string) => scanSource('example.ts', source).map((f) => f.literal);

  const caught: [string, string, string][] = [
    ['a sentence in a reply body', "reply({ visibility: 'ephemeral', body: ['Thanks for enrolling!'] });", "'Thanks for enrolling!'"],
    ['a one-word button label', "const a = { label: 'Cancel', style: 'secondary', invoke };", "'Cancel'"],
    ['a modal title', "renderModal({ title: 'Edit the course', submitLabel: i18n.t('common:form.submit'), fields });", "'Edit the course'"],
    ['a modal field placeholder', "const field = { option: 'title', placeholder: 'Rust for beginners', style: 'short' };", "'Rust for beginners'"],
    ['a label given to a renderer', "view: renderForm(form, metadata, 'Cancel')", "'Cancel'"],
    ['a Block Kit fallback text', "await respond({ text: 'Here are your courses', blocks });", "'Here are your courses'"],
    ['a Discord embed footer', "embed.footer = { text: clip(stripControls('Page 1 of 2'), 2048) };", "'Page 1 of 2'"],
    ['a discord.js answer', "await interaction.reply({ content: `Use me in a server, ${name}.`, flags });", '`Use me in a server, ${name}.`'],
    ['a count glued to a word', 'const section = { lines: [`${count} courses`] };', '`${count} courses`'],
    ['a fallback after ??', "const field = { value: label ?? 'Not set' };", "'Not set'"],
    ['text built in a map', "const s = { lines: items.map((i) => 'Course ' + i.title) };", "'Course '"],
    ['English given to the translator as a key', "i18n.t('Hello there');", "'Hello there'"],
    ['prose passed as an interpolation value', "i18n.t('errors:x', { reason: 'It broke' });", "'It broke'"],
    ['a digest line', "await messenger.postToChannel(community, channel, reply({ visibility: 'public', title: 'Weekly digest' }));", "'Weekly digest'"],
    ['Chinese anywhere', "const hint = '请重试';", "'请重试'"],
  ];
  for (const [what, source, literal] of caught) {
    it(`given ${what}, when scanned, then it is reported`, () => {
      expect(flagged(source)).toContain(literal);
    });
  }

  const fine: [string, string][] = [
    ['catalog keys, plain and templated', "reply({ visibility: 'public', title: i18n.t('commands:courses.title'), body: [i18n.t(`commands:${id}.description`)] });"],
    ['ids, styles and Block Kit types', "const b = { type: 'plain_text', text: 'syllabot_form', style: 'primary', name: 'course_add' };"],
    ['symbols and emoji', "const row = [{ label: '★' }, { label: '◀' }, { label: '▶' }, { value: '—' }, { text: '…' }, { footer: parts.join(' · ') }];"],
    ['URLs', "const link = { value: 'https://example.com/rust' };"],
    ['course names and command labels', 'const s = { title: `#${course.number} ${course.title}`, label: `/${group} ${name}` };'],
    ['log messages with member-like fields', "logger.info({ title: 'Not a reply' }, 'Slack request failed');"],
    ['errors for operators', "throw new Error('The Discord adapter needs DISCORD_TOKEN.');"],
    ['health details', "return { ok: false, detail: 'shards not ready' };"],
  ];
  for (const [what, source] of fine) {
    it(`given ${what}, when scanned, then nothing is reported`, () => {
      expect(flagged(source)).toEqual([]);
    });
  }
});
