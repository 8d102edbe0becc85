import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, type MigrateOptions } from '../../src/operations/migrate.ts';
import { OperationRefused } from '../../src/operations/refused.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { NOT_TRANSFERRED, TRANSFERRED_COLUMNS } from '../../src/infra/sqlite/transfer.ts';
import { AesGcmSecretBox } from '../../src/infra/crypto/secret-box.ts';
import { sealContext } from '../../adapters/slack/installations.ts';
import { member, dumpStore } from '../support/core.ts';
import { runCli } from '../support/cli.ts';
import { coreOn, quietIo, tempDir, whatMembersSee, type CommunitySpec } from './support.ts';

const KEY_A = Buffer.alloc(32, 7).toString('base64');
const KEY_B = Buffer.alloc(32, 9).toString('base64');
const COMMUNITIES: CommunitySpec[] = [
  { platform: 'console', id: 'local' },
  { platform: 'discord', id: '123456789012345678' },
  { platform: 'slack', id: 'T0SLACK' },
];

const cleanup: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A store with three communities on three platforms, courses, enrollments, ratings, settings, snapshots and an installation. */
async function populated(path: string): Promise<void> {
  const core = coreOn(path);
  for (const [i, c] of COMMUNITIES.entries()) {
    const mod = member(core, { id: 'mod', moderator: true, platform: c.platform, community: c.id });
    for (let n = 1; n <= 10 + i; n++) await mod.say(`/course add title:"Course ${n} of ${c.id}" value:${(n % 4) + 1} tags:t${n % 3},x starts:"2030-01-0${(n % 9) + 1} 10:00"`);
    await mod.say('/course archive 3');
    await mod.say('/settings locale zh-CN');
    for (let m = 0; m < 12; m++) {
      const who = member(core, { id: `m${m}`, platform: c.platform, community: c.id });
      for (let n = 1; n <= 10 + i; n++) {
        if ((m * 7 + n * 3 + i) % 4 === 0) continue;
        await who.say(`/enroll ${n}`);
        if ((m + n) % 3 !== 0) await who.say(`/rate ${n} ${((m * n + i) % 5) + 1}${m % 2 ? ' nice one' : ''}`);
      }
      if (m % 5 === 0) await who.say('/remind off');
    }
    const community = (await core.store.findCommunity({ platform: c.platform, externalId: c.id }))!;
    await core.store.saveScoreSnapshot({ communityId: community.id, takenAt: new Date(Date.UTC(2026, 0, 1 + i)), score: 1.5, satisfaction: 3, coverage: 0.5, memberCount: 12, courseCount: 9 });
  }
  await core.store.saveInstallation({
    platform: 'slack',
    externalId: 'T0SLACK',
    sealed: AesGcmSecretBox.fromConfig(KEY_A).seal('{"bot":{"token":"xoxb-secret"}}', sealContext('T0SLACK')),
    name: 'Slack Team',
    botUserId: 'U0BOT',
    scopes: ['commands', 'chat:write'],
    installedAt: new Date(Date.UTC(2026, 1, 1)),
  });
  await core.sqlite.close();
}

function options(from: string, to: string, extra: Partial<MigrateOptions> = {}): MigrateOptions {
  return {
    from: { kind: 'sqlite', path: from },
    to: { kind: 'sqlite', path: to },
    merge: false,
    resume: false,
    dryRun: false,
    batchSize: 50,
    priorWeight: 5,
    encryptionKey: KEY_A,
    ...extra,
  };
}

describe('syllabot migrate', () => {
  it('given a populated SQLite store, when migrated, then /score and /courses read the same', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const [from, to] = [join(tmp.dir, 'from.sqlite'), join(tmp.dir, 'to.sqlite')];
    await populated(from);
    const lines: string[] = [];
    const report = await migrate(options(from, to), quietIo(lines));
    expect(report.code, lines.join('\n')).toBe(0);
    expect(report.verification?.differences).toEqual([]);
    expect(report.verification?.communities).toBe(3);
    expect(report.copied.ratings).toBeGreaterThan(150);

    const [source, target] = [coreOn(from), coreOn(to)];
    cleanup.push(() => source.sqlite.close(), () => target.sqlite.close());
    for (const community of COMMUNITIES) {
      const before = await whatMembersSee(source, community);
      expect(await whatMembersSee(target, community)).toEqual(before);
      expect(before[0]).toMatch(/G = \d\.\d\d/);
    }
    const installation = await target.store.findInstallation({ platform: 'slack', externalId: 'T0SLACK' });
    expect(AesGcmSecretBox.fromConfig(KEY_A).open(installation!.sealed, sealContext('T0SLACK'))).toContain('xoxb-secret');
    expect((await target.store.findCommunity({ platform: 'console', externalId: 'local' }))?.settings).toEqual({ locale: 'zh-CN' });
    // Numbers are never reused: the next course continues after the highest copied.
    const next = await target.store.createCourse((await target.store.findCommunity({ platform: 'console', externalId: 'local' }))!.id, { title: 'New', description: '', url: null, tags: [], value: 1, startsAt: null });
    expect(next.number).toBe(11);
  });

  it('given a copy interrupted, when run with --resume, then it completes with no duplicate', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const [from, to] = [join(tmp.dir, 'from.sqlite'), join(tmp.dir, 'to.sqlite')];
    await populated(from);
    const interrupted = { ...quietIo(), afterBatch: (kind: string, copied: number) => {
      if (kind === 'enrollments' && copied >= 100) throw new Error('power cut');
    } };
    await expect(migrate(options(from, to, { batchSize: 25 }), interrupted)).rejects.toThrow('power cut');
    await expect(migrate(options(from, to), quietIo())).rejects.toBeInstanceOf(OperationRefused);
    const lines: string[] = [];
    const resumed = await migrate(options(from, to, { resume: true, batchSize: 25 }), quietIo(lines));
    expect(resumed.code, lines.join('\n')).toBe(0);
    for (const c of resumed.verification!.counts) expect(c.target, c.kind).toBe(c.source);
    // A second full pass over the finished copy changes nothing.
    const target = SqliteStore.open({ path: to });
    const before = dumpStore(target);
    await target.close();
    expect((await migrate(options(from, to, { resume: true }), quietIo())).code).toBe(0);
    const again = SqliteStore.open({ path: to });
    expect(dumpStore(again)).toBe(before);
    await again.close();
  });

  it('given --dry-run, when run, then it prints what it would copy and writes nothing', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const [from, to] = [join(tmp.dir, 'from.sqlite'), join(tmp.dir, 'to.sqlite')];
    await populated(from);
    const lines: string[] = [];
    expect((await migrate(options(from, to, { dryRun: true }), quietIo(lines))).code).toBe(0);
    expect(lines.join('\n')).toMatch(/would copy 3 communities/);
    const target = SqliteStore.open({ path: to });
    expect(await target.listCommunities()).toEqual([]);
    await target.close();
  });

  it('given installations sealed with one key, when migrating with another, then refused first', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const [from, to] = [join(tmp.dir, 'from.sqlite'), join(tmp.dir, 'to.sqlite')];
    await populated(from);
    await expect(migrate(options(from, to, { encryptionKey: KEY_B }), quietIo())).rejects.toThrow(/does not open .*T0SLACK/);
    await expect(migrate(options(from, to, { encryptionKey: undefined }), quietIo())).rejects.toThrow(/Set SYLLABOT_ENCRYPTION_KEY/);
    const target = SqliteStore.open({ path: to });
    expect(await target.listCommunities()).toEqual([]);
    await target.close();
  });

  it('given a target differing after the copy, when verified, then the diff prints, exit 1', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const [from, to] = [join(tmp.dir, 'from.sqlite'), join(tmp.dir, 'to.sqlite')];
    await populated(from);
    const lines: string[] = [];
    const sabotage = { ...quietIo(lines), afterBatch: (kind: string) => {
      if (kind !== 'ratings') return;
      const db = SqliteStore.open({ path: to });
      db.database.prepare('UPDATE courses SET rating_sum = rating_sum + 1 WHERE number = 1').run();
      void db.close();
    } };
    const report = await migrate(options(from, to, { batchSize: 10_000 }), sabotage);
    expect(report.code).toBe(1);
    expect(lines.join('\n')).toMatch(/difference/);
  });

  it('given the CLI, when migrating, then options are checked, progress shown, exit code says', async () => {
    const tmp = tempDir();
    cleanup.push(tmp.dispose);
    const [from, to] = [join(tmp.dir, 'from.sqlite'), join(tmp.dir, 'to.sqlite')];
    await populated(from);
    const bad = await runCli(['migrate', '--from', 'nowhere', '--to', `sqlite:${to}`], '');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--from: must be sqlite:PATH or a mongodb://');
    const ok = await runCli(['migrate', '--from', `sqlite:${from}`, '--to', `sqlite:${to}`], '', { SYLLABOT_ENCRYPTION_KEY: KEY_A });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('Verified: the target matches the source.');
    expect(ok.stderr).toMatch(/ratings: \d+\/\d+/);
    const refused = await runCli(['migrate', '--from', `sqlite:${from}`, '--to', `sqlite:${to}`], '', { SYLLABOT_ENCRYPTION_KEY: KEY_A });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already holds data');
  });

  it('given the SQLite schema, when compared with the transfer, then every column is carried', () => {
    const store = SqliteStore.open({ path: ':memory:' });
    const tables = (store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT IN ('schema_migrations') AND name NOT LIKE 'sqlite_%'").pluck().all() as string[])
      .filter((t) => !(t in NOT_TRANSFERRED))
      .sort();
    const columns = Object.fromEntries(tables.map((t) => [t, (store.database.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(t) as string[]).sort()]));
    const carried = Object.fromEntries(Object.entries(TRANSFERRED_COLUMNS).map(([t, c]) => [t, [...c].sort()]));
    expect(columns).toEqual(carried);
    void store.close();
  });
});
