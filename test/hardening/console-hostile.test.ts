import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { tempDir } from './support/core-harness.ts';
import { HOSTILE_TEXTS } from './support/hostile.ts';
import { runCliExact } from '../support/cli.ts';

const BRIEF_TITLE = '@everyone <!channel> \u001b[31mred';

/** Every C0 control but line feed, DEL, and every C1 control, in one string. */
const ALL_CONTROLS = [...Array(0x20).keys(), 0x7f, ...Array.from({ length: 0x20 }, (_, i) => 0x80 + i)]
  .filter((c) => c !== 0x0a)
  .map((c) => String.fromCharCode(c))
  .join('');

/** Characters that must never reach the terminal: controls (but \n and \t) and bidi controls. */
const FORBIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

function findForbidden(bytes: Buffer): string[] {
  const problems: string[] = [];
  if (bytes.includes(0x1b)) problems.push(`ESC byte at ${bytes.indexOf(0x1b)}`);
  const text = bytes.toString('utf8');
  for (const [i, line] of text.split('\n').entries()) {
    const match = FORBIDDEN.exec(line);
    if (match) problems.push(`line ${i + 1}: U+${match[0].codePointAt(0)!.toString(16).padStart(4, '0')} in ${JSON.stringify(line.slice(0, 120))}`);
  }
  return problems;
}

const quote = (v: string) => `"${v.replace(/["\\]/g, '\\$&')}"`;
/** The console reads one command a line, so line breaks cannot be typed inside a value. */
const typeable = (v: string) => v.replace(/[\r\n\u0085\u2028\u2029]/g, ' ');

describe('Console: hostile text prints no escape sequence or control character', () => {
  const temp = tempDir('console-hostile');
  afterAll(() => temp.remove());
  const env = (path: string) => ({ SQLITE_PATH: path, LOG_LEVEL: 'trace', JOBS_ENABLED: 'false', LANG: 'en_US.UTF-8' });

  it('given a hostile course title typed on the console, when listed and used, then stdout stays clean', async () => {
    const path = join(temp.dir, 'typed.sqlite');
    const lines = [
      `/course add ${quote(BRIEF_TITLE)} description:${quote(HOSTILE_TEXTS.slice(1, 8).map(typeable).join(' '))} tags:${quote('\u001b[1mbold,\u202egnp.exe')}`,
      ...HOSTILE_TEXTS.slice(1).map((text) => `/course add ${quote(typeable(text) || 'x')} description:${quote(typeable(text))}`),
      `/course add ${quote(ALL_CONTROLS.replace(/[\r\u0085]/g, ''))}`,
      '/courses',
      '/courses page:2',
      '/courses page:3',
      '/courses sort:new',
      '/courses red',
      '/score',
      '/score 1',
      '/enroll 1',
      `/rate 1 5 ${quote('\u001b]0;owned\u0007 great \u009b2J')}`,
      '/mycourses',
      `/course edit 1 title:${quote(`${BRIEF_TITLE} \u001b[5mblink`)}`,
      '/score @everyone',
      `/enroll ${quote('\u001b[31mnot a course\u202e')}`,
      `/nope\u001b[31m`,
      `/courses ${quote('\u001b[2J')}`,
      `@\u001b[31mmallory /courses`,
      '/help course add',
    ];
    const result = await runCliExact(['console', '--community', 'hostile'], env(path), { input: `${lines.join('\n')}\n` });
    const stdout = result.stdout;
    expect(result.code, result.stderr).toBe(0);
    // The hostile course exists and was shown, minus its escape sequence.
    expect(stdout).toContain('@everyone <!channel> red');
    expect(stdout).toContain('You rated #1');
    expect(findForbidden(result.bytes.stdout)).toEqual([]);
    expect(findForbidden(result.bytes.stderr)).toEqual([]);
    // The escapes were stored as typed (data), and only the console's rendering removed them.
    const stored = SqliteStore.open({ path });
    const titles = stored.database.prepare('SELECT title FROM courses ORDER BY number').pluck().all() as string[];
    await stored.close();
    expect(titles[0]).toBe(`${BRIEF_TITLE} \u001b[5mblink`);
    expect(titles.filter((t) => FORBIDDEN.test(t)).length).toBeGreaterThan(10);
    console.log(`console: ${lines.length} hostile command lines, ${result.bytes.stdout.length} bytes of stdout and ${result.bytes.stderr.length} of stderr scanned: no escape or control character`);
  });

  it('given every control character stored by another platform, when listed, then stdout stays clean', async () => {
    const path = join(temp.dir, 'seeded.sqlite');
    const store = SqliteStore.open({ path });
    const community = await store.upsertCommunity({ platform: 'console', externalId: 'seeded' }, 'seeded');
    const hostile = [...HOSTILE_TEXTS, ALL_CONTROLS, `line\nbreak\r\ncarriage\rreturn`];
    for (const text of hostile) {
      await store.createCourse(community.id, { title: text, description: text, url: `https://example.com/${text}`, tags: [text, 'ok'], value: 1, startsAt: null });
    }
    const you = await store.upsertMember(community.id, 'you', 'you');
    const course = (await store.listActiveCourses(community.id))[0]!;
    await store.enroll(community.id, you.id, course.id, new Date());
    await store.rate(community.id, you.id, course.id, 4, hostile.join(' '), new Date());
    await store.close();

    const lines = ['/courses', '/courses page:2', '/courses page:3', '/courses page:4', '/courses sort:new', '/score', '/mycourses', ...hostile.map((_, i) => `/score ${i + 1}`)];
    const result = await runCliExact(['console', '--community', 'seeded'], env(path), { input: `${lines.join('\n')}\n` });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('@everyone <!channel> red');
    expect(findForbidden(result.bytes.stdout)).toEqual([]);
    expect(findForbidden(result.bytes.stderr)).toEqual([]);
  });
});
