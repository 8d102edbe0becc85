import { afterEach, describe, expect, it } from 'vitest';
import { member, textOf, createTestCore, type TestCore } from '../support/core.ts';
import { runCli } from '../support/cli.ts';
import { reminderJobId } from '../../jobs/reminders.ts';
import { cleanupPrefix, COMMUNITY, createWorld, randomPrefix, startJobsFor, startsIn24hPlus } from '../jobs/harness.ts';
import { tempDir } from './support.ts';
import { join } from 'node:path';
import { readdirSync, readFileSync } from 'node:fs';

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** G, satisfaction and N as /score prints them on the console. */
function scoreLine(stdout: string): { g: number; n: number }[] {
  return [...stdout.matchAll(/G = (\d+\.\d\d)[\s\S]*?Members \(N\): (\d+)/g)].map((m) => ({ g: Number(m[1]), n: Number(m[2]) }));
}

describe('/privacy', () => {
  it('given a member, when they delete their data, then N drops by one and G loses their ratings', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    // Values 10 and 2; ana rates #1 4★ (weight 10), bo rates #2 5★ (weight 2), you (the operator) rate nothing.
    const script = [
      '/course add title:"Rust 101" value:10',
      '/course add title:Go value:2',
      '@ana /enroll 1',
      '@ana /rate 1 4 great course',
      '@bo /enroll 2',
      '@bo /rate 2 5',
      '/score',
      '@ana /privacy',
      '@ana /privacy export',
      '@ana /privacy delete',
      '/score',
      '@ana /privacy delete confirm:true',
      '/score',
    ].join('\n');
    const run = await runCli(['console'], `${script}\n`, { SQLITE_PATH: join(tmp.dir, 'store.sqlite'), EXPORTS_DIR: join(tmp.dir, 'exports') });
    expect(run.code, run.stderr).toBe(0);
    const exported = readdirSync(join(tmp.dir, 'exports'), { recursive: true }).map(String).filter((f) => f.endsWith('.json'));
    expect(exported).toHaveLength(1);
    const json = JSON.parse(readFileSync(join(tmp.dir, 'exports', exported[0]!), 'utf8')) as { member: { platformId: string }; ratings: { review: string }[] };
    expect(json.member.platformId).toBe('ana');
    expect(json.ratings[0]!.review).toBe('great course');
    const scores = scoreLine(run.stdout);
    // N = 3 (you, ana, bo): G = (4·10 + 5·2) / (3 · 12) = 1.39
    expect(scores[0]).toEqual({ g: 1.39, n: 3 });
    // Asking without confirm:true deletes nothing.
    expect(scores[1]).toEqual({ g: 1.39, n: 3 });
    // N = 2 (you, bo): G = (5·2) / (2 · 12) = 0.42
    expect(scores[2]).toEqual({ g: 0.42, n: 2 });
    expect(run.stdout).toContain('#1 Rust 101: 4★ “great course”');
    expect(run.stdout).toContain('/privacy action:delete confirm:true');
    expect(run.stdout).toContain('Deleted: the member record; enrollments: 1; ratings: 1 (with a review: 1).');
    expect(run.stdout).toContain('The community score is now G = 0.42 with 2 members.');
  });

  describe('on the core', () => {
    let core: TestCore;
    afterEach(async () => {
      await core?.dispose();
    });

    async function seeded(): Promise<TestCore> {
      core = createTestCore();
      const mod = member(core, { id: 'mod', moderator: true });
      await mod.say('/course add title:Rust');
      for (const id of ['ana', 'bo']) {
        await member(core, { id }).say('/enroll 1');
        await member(core, { id }).say(`/rate 1 ${id === 'ana' ? 2 : 5}`);
      }
      return core;
    }

    it('given a moderator, when they delete a member by name, then that member and aggregates go', async () => {
      await seeded();
      const mod = member(core, { id: 'mod', moderator: true });
      const asked = await mod.say('/privacy delete member:ana');
      expect(asked.reply.actions[0]![0]!.invoke).toEqual({ command: 'privacy', options: { action: 'delete', confirm: true, member: 'ana' } });
      expect(await core.store.findMember((await core.store.findCommunity({ platform: 'console', externalId: 'local' }))!.id, 'ana')).not.toBeNull();
      const done = await mod.run({ kind: 'structured', command: 'privacy', options: asked.reply.actions[0]![0]!.invoke.options });
      expect(textOf(done)).toContain('no longer keeps a record of ana');
      const community = (await core.store.findCommunity({ platform: 'console', externalId: 'local' }))!;
      expect(await core.store.findMember(community.id, 'ana')).toBeNull();
      expect(await core.store.getCourseByNumber(community.id, 1)).toMatchObject({ ratingCount: 1, ratingSum: 5, enrolledCount: 1 });
    });

    it('given a non-moderator, when they name someone else, then refused, nothing of theirs deleted', async () => {
      await seeded();
      const result = await member(core, { id: 'bo' }).say('/privacy delete member:ana confirm:true');
      expect(result.outcome).toBe('user-error');
      expect(textOf(result)).toContain('is for moderators only');
      const community = (await core.store.findCommunity({ platform: 'console', externalId: 'local' }))!;
      expect((await core.store.memberData(community.id, (await core.store.findMember(community.id, 'ana'))!.id)).ratings).toHaveLength(1);
    });

    it('given a name matching 0 or 2+ members, when a moderator asks, then nothing goes; ids listed', async () => {
      await seeded();
      const community = (await core.store.findCommunity({ platform: 'console', externalId: 'local' }))!;
      await core.store.upsertMember(community.id, 'ana-2', 'Ana');
      await core.store.upsertMember(community.id, 'ana-3', 'ANA');
      const mod = member(core, { id: 'mod', moderator: true });
      expect(textOf(await mod.say('/privacy delete member:nobody confirm:true'))).toContain('No member here is called “nobody”');
      const ambiguous = textOf(await mod.say('/privacy delete member:Ana confirm:true'));
      expect(ambiguous).toContain('Several members are called “Ana”');
      expect(ambiguous).toContain('(id ana-2)');
      expect(await core.store.countMembers(community.id)).toBe(5);
    });

    it('given a member, when they export, then the JSON holds their data and nobody else’s', async () => {
      await seeded();
      const result = await member(core, { id: 'ana' }).say('/privacy export');
      const json = JSON.parse(exportedJson(result)) as { member: { platformId: string }; enrollments: unknown[]; ratings: { stars: number }[] };
      expect(json.member.platformId).toBe('ana');
      expect(json.enrollments).toHaveLength(1);
      expect(json.ratings.map((r) => r.stars)).toEqual([2]);
    });
  });

  it('given queued reminders, when the member deletes their data, then theirs go, others stay', async () => {
    const prefix = randomPrefix();
    const world = createWorld();
    cleanup.push(() => world.close(), () => cleanupPrefix(prefix));
    const jobs = await startJobsFor(world, { prefix });
    cleanup.push(() => jobs.stop());
    const queue = jobs.queues.get('reminders-console');
    await world.run(`/course add title:"Elixir" starts:${startsIn24hPlus(60 * 60 * 1000)}`);
    await world.run('/enroll 1', 'ana');
    await world.run('/enroll 1', 'bo');
    const community = (await world.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    const course = (await world.store.getCourseByNumber(community.id, 1))!;
    const [ana, bo] = [(await world.store.findMember(community.id, 'ana'))!, (await world.store.findMember(community.id, 'bo'))!];
    const ids = (memberId: string) => (['start-24h', 'start-1h', 'rate-nudge'] as const).map((kind) => reminderJobId(community.id, memberId, course.id, kind, course.startsAt));
    expect(await queue.getDelayedCount()).toBe(6);
    expect(textOf(await world.run('/privacy delete confirm:true', 'ana'))).toContain('Pending reminders were cancelled');
    for (const id of ids(ana.id)) expect(await queue.getJob(id)).toBeUndefined();
    for (const id of ids(bo.id)) expect(await queue.getJobState(id)).toBe('delayed');
  });
});

/** The exported document attached to the reply. */
function exportedJson(result: Awaited<ReturnType<ReturnType<typeof member>['say']>>): string {
  const file = result.reply.files?.[0];
  expect(file?.name).toMatch(/^syllabot-console-local-ana\.json$/);
  expect(file?.contentType).toBe('application/json');
  return Buffer.from(file!.content as Uint8Array).toString('utf8');
}
