import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'syllabot-cohorts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDb = () => join(dir, `db-${++n}`, 'syllabot.sqlite');

describe('cohorts on the console, through the real CLI', () => {
  it('given a members-only course, when @ana lacks the role, then she is refused by name until /role grant', async () => {
    const script = [
      '/settings access_url:https://pay.example/join',
      '/course add title:"Deep Rust" requires:premium role:rustaceans',
      '/courses',
      '@ana /enroll 1',
      '/role grant @ana premium',
      '@ana /enroll 1',
      '/course show 1',
    ].join('\n');
    const run = await runCli(['console'], script, { SQLITE_PATH: freshDb() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('🔒 Members-only: needs @premium');
    expect(run.stdout).toContain('✖ #1 Deep Rust is for members with the @premium role. Get it here: https://pay.example/join');
    expect(run.stdout).toContain('✔ @ana now holds @premium.');
    expect(run.stdout).toContain("✔ You're enrolled in #1 Deep Rust.");
    expect(run.stdout).toContain('You now have the @rustaceans role.');
    expect(run.stdout).toContain('Role given to 1 of 1 enrollees');
  });

  it('given a course with a role, when a member enrolls and unenrolls, then the console role follows', async () => {
    const db = freshDb();
    const script = ['/course add title:"Go" role:gophers requires:gophers', '@bo /enroll 1', '@bo /rate 1 5', '@bo /unenroll 1', '@bo /enroll 1'].join('\n');
    const run = await runCli(['console'], script, { SQLITE_PATH: db });
    // Without the role Bo can neither enroll nor (so) rate.
    expect(run.stdout).toContain('✖ #1 Go is for members with the @gophers role. Ask a moderator how to get it.');
    const granted = await runCli(['console'], ['/role grant @bo gophers', '@bo /enroll 1', '@bo /rate 1 5', '@bo /unenroll 1', '/role revoke @bo gophers'].join('\n'), { SQLITE_PATH: db });
    expect(granted.stdout).toContain('You now have the @gophers role.');
    expect(granted.stdout).toContain('✔ You rated #1 Go 5★.');
    // Unenrolling took the role back, so the moderator's revoke finds nothing to take.
    expect(granted.stdout).toContain('@bo did not hold @gophers.');
  });

  it('given a member who lost the role, then /mycourses says so, rating is refused, moderators see it', async () => {
    const db = freshDb();
    const script = [
      '/course add title:"Premium" requires:premium',
      '/role grant @cy premium',
      '@cy /enroll 1',
      '@cy /rate 1 4',
      '/role revoke @cy premium',
      '@cy /mycourses',
      '@cy /rate 1 2',
      '/course show 1',
      '/score 1',
    ].join('\n');
    const run = await runCli(['console'], script, { SQLITE_PATH: db });
    expect(run.stdout).toContain("Members-only: you no longer hold @premium, so you keep this enrollment and rating but can't rate it again.");
    expect(run.stdout).toContain("which you no longer hold: your enrollment and rating stay, but you can't change the rating.");
    expect(run.stdout).toContain('1 enrollee no longer holds the required role');
    // The 4★ rating still counts.
    expect(run.stdout).toMatch(/4\.00/);
  });

  it('given /role on the console, when a member (not a moderator) uses it, then it is refused', async () => {
    const run = await runCli(['console'], '@ana /role grant @ana premium\n', { SQLITE_PATH: freshDb() });
    expect(run.stdout).toContain('✖ /role grant is for moderators only.');
  });

  it('given a role set on a course with enrollees, when jobs are off, then the edit gives it to all', async () => {
    const script = ['/course add title:"Late"', '@a /enroll 1', '@b /enroll 1', '/course edit 1 role:late', '/course show 1', '/course edit 1 remove:role', '@a /mycourses'].join('\n');
    const run = await runCli(['console'], script, { SQLITE_PATH: freshDb() });
    expect(run.stdout).toContain('@late: given to 2, taken back from 0, 0 no longer here.');
    expect(run.stdout).toContain('Role given to 2 of 2 enrollees');
    expect(run.stdout).toContain('@late: given to 0, taken back from 2, 0 no longer here.');
  });
});
