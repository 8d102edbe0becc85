import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createJobs } from '../../jobs/index.ts';
import type { JobsService } from '../../jobs/runtime.ts';
import { MANAGE_ROLES, type FakeGuild } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, PERMISSIONS, slashCommand, textOf, type FakeMember, type OptionValue } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { startBot, type RunningBot } from '../fakes/discord/harness.ts';
import { cleanupPrefix, FAST, randomPrefix, testConfig, waitUntil } from './harness.ts';
import { startSlackHarness, USERS, type SlackHarness } from '../fakes/slack/harness.ts';
import { allText } from '../fakes/slack/blocks.ts';
import { RecordingLogger } from '../support/logger.ts';

/**
 * The course-role job (BullMQ on the real Redis) against the fake Discord: a backfill over 200
 * enrollees stopped half-way and resumed by the next process start, and a refused grant retried
 * until the permission is back. Slack channel invites go through the same job against the fake
 * Slack Web API: a transient failure retried, a permanent one stopped with what to fix.
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

describe('course channel invites job on the fake Slack', () => {
  let h: SlackHarness;
  let jobs: JobsService | undefined;
  const logger = new RecordingLogger();
  const prefix = randomPrefix();

  beforeAll(async () => {
    h = await startSlackHarness();
    h.fake.addConversation('CRETRY0001', { name: 'retry-cohort' });
    h.fake.addConversation('CSTOP00001', { name: 'stop-cohort' });
    // As the bot process does (main.ts): the cohort queue runs where the platform is served.
    h.core.messengers.register(h.adapter.messenger);
    jobs = createJobs({ core: h.core, config: testConfig(), logger, role: 'all', options: { ...FAST, prefix, cohortRetryDelayMs: 300 } })!;
    jobs.start();
    await waitUntil(() => h.core.services.jobs() === 'running', 'jobs to connect to Redis');
    await jobs.settled();
  });
  afterAll(async () => {
    await jobs?.stop();
    await h?.close();
    await cleanupPrefix(prefix);
  });

  async function command(user: { id: string }, name: string, text = ''): Promise<string> {
    const url = h.responses.newUrl();
    await h.client.sendForm(h.client.commandBody({ command: name, text, userId: user.id, responseUrl: url }));
    await h.adapter.whenIdle();
    return allText(h.responses.postsTo(url).at(-1)?.body ?? {});
  }
  const invitesOf = (user: string, channel: string) => h.fake.callsTo('conversations.invite').filter((c) => c.body.users === user && c.body.channel === channel);
  const grantOf = async (user: string, title: string) => {
    const community = await h.communityId();
    const course = (await h.store.findCoursesByTitlePrefix(community, title, 1))[0]!;
    const member = (await h.store.findMember(community, user))!;
    return h.store.cohorts.getGrant(community, member.id, course.id);
  };

  it('given a rate-limited invite at enroll time, when the job retries, then invited exactly once', async () => {
    await command(USERS.admin, '/course', 'add title:"Retrycohort" channel:<#CRETRY0001|retry-cohort>');
    h.fake.failNext('conversations.invite', 'ratelimited');
    const enrolled = await command(USERS.member, '/enroll', 'Retrycohort');
    expect(enrolled).toContain('your enrollment stands and it is tried again automatically');
    await waitUntil(async () => (await grantOf(USERS.member.id, 'Retrycohort'))?.state === 'granted', 'the retry to invite', 30_000);
    expect(h.fake.conversations.get('CRETRY0001')!.members.has(USERS.member.id)).toBe(true);
    // The refused call, then the job's one successful invite; nothing after it is recorded.
    expect(invitesOf(USERS.member.id, 'CRETRY0001').map((c) => c.body.channel)).toEqual(['CRETRY0001', 'CRETRY0001']);
    expect(await command(USERS.admin, '/course', 'show Retrycohort')).toContain('Invited to the channel: 1 of 1 enrollees');
  }, 60_000);

  it('given the bot removed from a private channel, when an invite fails, then it stops and says why', async () => {
    await command(USERS.admin, '/course', 'add title:"Stopcohort" channel:<#CSTOP00001|stop-cohort>');
    const channel = h.fake.conversations.get('CSTOP00001')!;
    channel.isPrivate = true;
    channel.botMember = false;
    const enrolled = await command(USERS.listed, '/enroll', 'Stopcohort');
    expect(enrolled).toContain('your enrollment stands and the moderators can see it');
    expect((await grantOf(USERS.listed.id, 'Stopcohort'))?.state).toBe('refused');
    const show = await command(USERS.admin, '/course', 'show Stopcohort');
    expect(show).toContain('1 channel invite failed');
    expect(show).toContain('Invites stopped, retrying cannot help');
    // Nothing was queued for it: the one call at enroll time is all.
    await jobs!.settled();
    expect(invitesOf(USERS.listed.id, 'CSTOP00001')).toHaveLength(1);
  }, 60_000);

  it('given an archived channel in the job, when the invite fails for good, then no retry follows', async () => {
    await command(USERS.admin, '/course', 'add title:"Latechannel"');
    await command(USERS.owner, '/enroll', 'Latechannel');
    h.fake.failNext('conversations.invite', 'is_archived');
    const edited = await command(USERS.admin, '/course', 'edit Latechannel channel:<#CRETRY0001|retry-cohort>');
    expect(edited).toContain('Inviting the 1 enrollee to #CRETRY0001 in the background');
    const slackJob = (e: { obj: Record<string, unknown> }) => e.obj.queue === 'cohorts-slack';
    await waitUntil(() => logger.entries.find((e) => slackJob(e) && e.msg.startsWith('job failed for good')), 'the job to stop for good', 30_000);
    expect((await grantOf(USERS.owner.id, 'Latechannel'))?.state).toBe('refused');
    // Failed at once, never handed to the back-off.
    expect(logger.entries.filter((e) => slackJob(e) && e.msg.startsWith('job attempt failed'))).toEqual([]);
    expect(invitesOf(USERS.owner.id, 'CRETRY0001')).toHaveLength(1);
    expect(h.fake.conversations.get('CRETRY0001')!.members.has(USERS.owner.id)).toBe(false);
  }, 60_000);
});
