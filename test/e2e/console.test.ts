import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'syllabot-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = () => join(dir, `db-${++n}`, 'syllabot.sqlite');

describe('the console, through the real CLI with piped input', () => {
  it('given nothing configured, when the quick-start is piped into `start`, then it runs and exits 0', async () => {
    const script = ['/course add title:"Rust 101" value:10', '/courses', '@ana /enroll 1', '@ana /rate 1 4', '/score', ''].join('\n');
    const run = await runCli(['start'], script, { SQLITE_PATH: freshDb() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✔ Added #1 Rust 101.');
    expect(run.stdout).toContain('── #1 Rust 101\n   value 10 · no ratings yet · 0 enrolled');
    expect(run.stdout).toContain("✔ You're enrolled in #1 Rust 101.");
    expect(run.stdout).toContain('✔ You rated #1 Rust 101 4★.');
    expect(run.stdout).toContain('Community score G = 2.00');
    expect(run.stdout).toContain('Satisfaction: 4.00 · Coverage: 50.0% · Members (N): 2 · Courses: 1 · Ratings: 1');
  });

  it('given the store file, when the console restarts, then what was done before is still there', async () => {
    const db = freshDb();
    await runCli(['console'], '/course add title:"Persisted"\n', { SQLITE_PATH: db });
    const run = await runCli(['console'], '/courses\n', { SQLITE_PATH: db });
    expect(run.stdout).toContain('── #1 Persisted');
  });

  it('given bad input, then each line gets a clear reply and the session goes on', async () => {
    const script = ['/rate 1 6', '/frobnicate', '@ana /course add title:x', '/course add title:"unclosed', '/courses'].join('\n');
    const run = await runCli(['console'], script, { SQLITE_PATH: freshDb() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✖ stars can be at most 5.');
    expect(run.stdout).toContain('✖ There\'s no command “frobnicate”.');
    expect(run.stdout).toContain('✖ /course add is for moderators only.');
    expect(run.stdout).toContain('is not closed');
    expect(run.stdout).toContain('No courses yet.');
  });

  it('given members whose first command is refused, when /score runs, then each of them counts in N', async () => {
    const script = ['@ana /rate 1 6', '@bo /frobnicate', '@cy /course add title:x', '/score'].join('\n');
    const run = await runCli(['console'], script, { SQLITE_PATH: freshDb() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('✖ /course add is for moderators only.');
    expect(run.stdout).toContain('Members (N): 4 · Courses: 0 · Ratings: 0');
  });

  it('given --community, then each console community has its own catalog', async () => {
    const db = freshDb();
    await runCli(['console', '--community', 'rustaceans'], '/course add title:"Rust 101"\n', { SQLITE_PATH: db });
    const other = await runCli(['console', '--community', 'gophers'], '/courses\n', { SQLITE_PATH: db });
    expect(other.stdout).toContain('No courses yet.');
    const same = await runCli(['console', '--community', 'rustaceans'], '/courses\n', { SQLITE_PATH: db });
    expect(same.stdout).toContain('#1 Rust 101');
  });

  it('given LANG=zh_CN.UTF-8, then the console answers in Chinese', async () => {
    const run = await runCli(['start'], '/course add title:"Rust 入门"\n/courses\n', { SQLITE_PATH: freshDb(), LANG: 'zh_CN.UTF-8' });
    expect(run.stdout).toContain('✔ 已添加 #1 Rust 入门。');
    expect(run.stdout).toContain('共 1 门课程，评分最高在前。');
  });

  it('given --locale en, then it wins over LANG', async () => {
    const run = await runCli(['console', '--locale', 'en'], '/courses\n', { SQLITE_PATH: freshDb(), LANG: 'zh_CN.UTF-8' });
    expect(run.stdout).toContain('No courses yet.');
  });

  it('given a bad environment variable, then start-up stops with one message naming it', async () => {
    const run = await runCli(['start'], '', { SQLITE_PATH: freshDb(), LOG_LEVEL: 'loud', SLACK_PORT: 'abc' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Syllabot cannot start: fix these environment variables:');
    expect(run.stderr).toContain('LOG_LEVEL:');
    expect(run.stderr).toContain('SLACK_PORT:');
    expect(run.stderr).not.toContain('    at ');
  });

  it('given an unknown sub-command, then it prints usage and exits 2', async () => {
    const run = await runCli(['frobnicate'], '', { SQLITE_PATH: freshDb() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Usage: syllabot <command>');
  });
});
