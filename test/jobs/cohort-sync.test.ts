import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobs } from '../../jobs/index.ts';
import type { JobsService } from '../../jobs/runtime.ts';
import { MANAGE_ROLES, type FakeGuild } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, PERMISSIONS, slashCommand, textOf, type FakeMember, type OptionValue } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';
import { cleanupPrefix, FAST, randomPrefix, testConfig, waitUntil } from './harness.ts';

/**
 * The course-role job (BullMQ on the real Redis) against the fake Discord: a backfill over 200
 * enrollees stopped half-way and resumed by the next process start, and a refused grant retried
 * until the permission is back.
 */
describe('course roles job on the fake Discord', () => {
  let bot: RunningBot;
  let guild: FakeGuild;
  const prefixes: string[] = [];
  const running: JobsService[] = [];
  const students = snowflake();
  const botRole = snowflake();
  const mona: FakeMember = { id: snowflake(), username: 'mona', permissions: PERMISSIONS.moderator };

  beforeAll(async () => {
    bot = await startBot({
      prepare: (fake) => {
        guild = fake.addGuild({
          name: 'Cohorts',
          roles: [
            { id: students, name: 'Students' },
            { id: botRole, name: 'Syllabot', permissions: MANAGE_ROLES, managed: true },
          ],
          botRoles: [botRole],
        });
      },
    });
  });
  afterEach(async () => {
    for (const jobs of running.splice(0)) await jobs.stop();
    bot.fake.refuseRoleChanges = false;
    bot.fake.roleLatencyMs = 0;
  });
  afterAll(async () => {
    await bot?.close();
    for (const prefix of prefixes) await cleanupPrefix(prefix);
  });

  const startJobs = async (prefix: string): Promise<JobsService> => {
    const jobs = createJobs({ core: bot.core, config: testConfig(), logger: bot.core.logger, role: 'all', options: { ...FAST, prefix, cohortRetryDelayMs: 300 } })!;
    running.push(jobs.start());
    await waitUntil(() => bot.core.services.jobs() === 'running', 'jobs to connect to Redis');
    await jobs.settled();
    return jobs;
  };
  const slash = async (member: FakeMember, command: string, options: Record<string, OptionValue>): Promise<string> => {
    const sent = slashCommand(bot.fake, guild, member, command, options);
    return textOf(callbackBody(await bot.fake.waitForRequest(isCallback(sent))).data).replace(/\\(.)/g, '$1');
  };
  const puts = (since: number) => bot.fake.requests.slice(since).filter((r) => r.method === 'PUT' && r.path.includes('/roles/'));

  it('given 200 enrollees, when a role is set and the process restarts half-way, then each gets it once', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    const community = await bot.core.store.upsertCommunity({ platform: 'discord', externalId: guild.id }, guild.name);
    const course = await bot.core.store.createCourse(community.id, { title: 'Big cohort', description: '', url: null, tags: [], value: 1, startsAt: null });
    const members: string[] = [];
    for (let i = 0; i < 200; i++) {
      const id = snowflake();
      members.push(id);
      const member = await bot.core.store.upsertMember(community.id, id, `m${i}`);
      await bot.core.store.enroll(community.id, member.id, course.id, new Date(Date.UTC(2026, 0, 1, 0, 0, i)));
    }
    // Two members left the server: Discord answers 404 Unknown Member for them.
    bot.fake.departed.add(members[10]!);
    bot.fake.departed.add(members[150]!);
    bot.fake.roleLatencyMs = 10;
    const since = bot.fake.requests.length;

    const first = await startJobs(prefix);
    const queued = await slash(mona, 'course edit', { course: String(course.number), role: { role: students } });
    expect(queued).toContain('Giving @Students to the 200 enrollees in the background');
    await waitUntil(() => puts(since).length >= 80, 'the backfill to be under way');
    const progress = await slash(mona, 'course show', { course: String(course.number) });
    expect(progress).toMatch(/Role given to \d+ of 200 enrollees/);
    expect(progress).toMatch(/\d+ enrollees are waiting for the role/);
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const beforeRestart = puts(since).length;
    expect(beforeRestart).toBeLessThan(200);

    await startJobs(prefix);
    await waitUntil(async () => (await bot.core.store.cohorts.grantCounts(community.id, course.id, students)).waiting === 0, 'the resumed backfill to finish', 60_000);
    const byMember = new Map<string, number>();
    for (const r of puts(since)) byMember.set(r.path, (byMember.get(r.path) ?? 0) + 1);
    expect(byMember.size).toBe(200);
    expect([...byMember.values()].every((n) => n === 1)).toBe(true);
    expect(members.filter((id) => bot.fake.rolesOf(guild.id, id).has(students))).toHaveLength(198);
    const done = await slash(mona, 'course show', { course: String(course.number) });
    expect(done).toContain('Role given to 198 of 200 enrollees');
    expect(done).toContain('2 enrollees have left the server (skipped)');
  }, 120_000);

  it('given a grant refused at enroll time, when the permission is back, then the retry gives it', async () => {
    const prefix = randomPrefix();
    prefixes.push(prefix);
    await startJobs(prefix);
    await slash(mona, 'course add', { title: 'Retry course', role: { role: students } });
    const community = (await bot.core.store.findCommunity({ platform: 'discord', externalId: guild.id }))!;
    const course = (await bot.core.store.findCoursesByTitlePrefix(community.id, 'Retry course', 1))[0]!;
    const zoe: FakeMember = { id: snowflake(), username: 'zoe' };
    bot.fake.refuseRoleChanges = true;
    const enrolled = await slash(zoe, 'enroll', { course: String(course.number) });
    expect(enrolled).toContain('could not be given to you right now; your enrollment stands');
    // The job tries (and is refused) at least once more before the permission comes back.
    const refusedBefore = bot.fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/members/${zoe.id}/roles/${students}`)).length;
    await waitUntil(
      () => bot.fake.requests.filter((r) => r.method === 'PUT' && r.path.endsWith(`/members/${zoe.id}/roles/${students}`)).length > refusedBefore,
      'a retry while still refused',
    );
    bot.fake.refuseRoleChanges = false;
    await waitUntil(() => bot.fake.rolesOf(guild.id, zoe.id).has(students), 'the retry to give the role', 30_000);
    const zoeId = (await bot.core.store.findMember(community.id, zoe.id))!.id;
    await waitUntil(async () => (await bot.core.store.cohorts.getGrant(community.id, zoeId, course.id))?.state === 'granted', 'the grant to be recorded');
  }, 60_000);
});
