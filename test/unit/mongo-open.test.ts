import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import mongoose from 'mongoose';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageUnavailableError } from '../../src/domain/errors.ts';
import { openMongoStore, STANDALONE_LIMITS, standaloneRefusal } from '../../src/infra/mongo/open-mongo-store.ts';
import { connectionOptions } from '../../src/infra/mongo/connection.ts';
import type { Store } from '../../src/ports/store/index.ts';
import { createCore } from '../../src/composition/app.ts';
import { RecordingLogger, type LogEntry } from '../support/logger.ts';
import { startMingoMongo } from '../support/mingo-mongo.ts';

/**
 * Start-up and outages of the MongoDB store without a MongoDB: a closed port for "unreachable",
 * and the mingo stand-in server (test/support/mingo-mongo.ts), standalone or a one-node replica
 * set, stopped and started again on its port for an outage, for the real driver to connect, lose
 * it and reconnect.
 */

/** A port nothing listens on: bound, noted, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Opening the MongoDB store', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('given a MongoDB nobody answers, when the store opens, then one error names the host only', async () => {
    const port = await closedPort();
    const lines: LogEntry[] = [];
    const opening = openMongoStore(`mongodb://alice:s3cret@127.0.0.1:${port}/syllabot?authSource=admin`, new RecordingLogger(lines), { serverSelectionTimeoutMS: 300 });
    const error = (await opening.then(
      () => null,
      (e: unknown) => e,
    )) as Error | null;
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(new RegExp(`^Cannot reach MongoDB at 127\\.0\\.0\\.1:${port} within 300 ms \\(.*ECONNREFUSED.*\\)\\. Check MONGODB_URI`));
    expect(error!.message).not.toContain('\n');
    expect(error!.message).not.toContain('s3cret');
    expect(JSON.stringify(lines)).not.toContain('s3cret');
  });

  it('given an unreachable MONGODB_URI, when the CLI starts, then one line, exit 1, no stack', async () => {
    const port = await closedPort();
    const bin = fileURLToPath(new URL('../../bin/syllabot.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'worker'], {
      env: { PATH: process.env.PATH, MONGODB_URI: `mongodb://alice:s3cret@127.0.0.1:${port}/syllabot`, JOBS_ENABLED: 'false', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toContain(`Syllabot stopped: Cannot reach MongoDB at 127.0.0.1:${port} within 5000 ms`);
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stderr).not.toContain('s3cret');
  });

  it('given a standalone server and no opt-in, when the store opens, then one line says how to fix it', async () => {
    const fake = await startMingoMongo();
    cleanup.push(() => fake.stop());
    const opening = openMongoStore(`mongodb://127.0.0.1:${fake.port}/syllabot`, new RecordingLogger(), { serverSelectionTimeoutMS: 1000 });
    const error = (await opening.then(
      () => null,
      (e: unknown) => e,
    )) as Error | null;
    expect(error?.message).toBe(standaloneRefusal(`mongodb://127.0.0.1:${fake.port}/syllabot`));
    expect(error?.message).toMatch(/^MongoDB at 127\.0\.0\.1:\d+ is a standalone server, .*--replSet rs0.*rs\.initiate\(\).*replicaSet=rs0.*MONGODB_ALLOW_STANDALONE=true/);
    expect(error?.message).not.toContain('\n');
  });

  it('given the CLI on a standalone MongoDB and no opt-in, then it prints that one line and exits 1', async () => {
    const fake = await startMingoMongo();
    cleanup.push(() => fake.stop());
    const bin = fileURLToPath(new URL('../../bin/syllabot.mjs', import.meta.url));
    const child = spawn(process.execPath, [bin, 'worker'], {
      env: { PATH: process.env.PATH, MONGODB_URI: `mongodb://127.0.0.1:${fake.port}/syllabot`, JOBS_ENABLED: 'false', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number];
    expect(code).toBe(1);
    expect(stderr).toContain(`Syllabot stopped: ${standaloneRefusal(`mongodb://127.0.0.1:${fake.port}/syllabot`)}`);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('given MONGODB_ALLOW_STANDALONE, when a standalone server opens, then the limits are logged at warn', async () => {
    const fake = await startMingoMongo();
    cleanup.push(() => fake.stop());
    const lines: LogEntry[] = [];
    const store = await openMongoStore(`mongodb://127.0.0.1:${fake.port}/syllabot`, new RecordingLogger(lines), { serverSelectionTimeoutMS: 1000, allowStandalone: true });
    cleanup.push(() => store.close());
    const warning = lines.find((l) => l.level === 'warn');
    expect(warning?.msg).toMatch(/standalone server \(MONGODB_ALLOW_STANDALONE=true\): weaker guarantees/);
    expect((warning?.obj as { limits: readonly string[] }).limits).toEqual(STANDALONE_LIMITS);
  });

  it('given a one-node replica set, when the store opens, then it uses transactions and logs no warning', async () => {
    const fake = await startMingoMongo({ setName: 'rs0' });
    cleanup.push(() => fake.stop());
    const lines: LogEntry[] = [];
    const store = await openMongoStore(`mongodb://127.0.0.1:${fake.port}/syllabot?directConnection=true`, new RecordingLogger(lines), { serverSelectionTimeoutMS: 1000 });
    cleanup.push(() => store.close());
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    expect(lines.find((l) => l.msg === 'using the MongoDB store')?.obj).toMatchObject({ transactions: 'yes (replica set)' });
  });

  it('given a URI asking for secondary reads, when connected, then reads are still pinned to the primary', async () => {
    const conn = mongoose.createConnection('mongodb://127.0.0.1:1/syllabot?readPreference=secondaryPreferred', connectionOptions({ serverSelectionTimeoutMS: 100 }));
    conn.on('error', () => undefined);
    cleanup.push(() => conn.close(true));
    expect(conn.getClient().readPreference.mode).toBe('primary');
  });

  it('given a server that answers, when the store opens, then it logs where and creates indexes', async () => {
    const fake = await startMingoMongo();
    cleanup.push(() => fake.stop());
    const lines: LogEntry[] = [];
    const store = await openMongoStore(`mongodb://127.0.0.1:${fake.port}/syllabot`, new RecordingLogger(lines), { serverSelectionTimeoutMS: 1000, allowStandalone: true });
    cleanup.push(() => store.close());
    expect(store.kind).toBe('mongo');
    const opened = lines.find((l) => l.msg === 'using the MongoDB store');
    expect(opened?.obj).toMatchObject({ store: 'mongo', uri: `mongodb://127.0.0.1:${fake.port}/syllabot`, database: 'syllabot' });
    expect(String((opened?.obj as { transactions: string }).transactions)).toMatch(/^no \(standalone server, accepted by MONGODB_ALLOW_STANDALONE\)/);
    const indexes = fake.commands.filter((c) => 'createIndexes' in c).flatMap((c) => (c.indexes as { name: string; unique?: boolean }[]).map((i) => `${String(c.createIndexes)}.${i.name}${i.unique ? ' (unique)' : ''}`));
    expect(indexes.sort()).toEqual([
      'communities.communities_by_removal',
      'communities.community_by_platform_id (unique)',
      'console_roles.console_role_key (unique)',
      'course_access.course_access_key (unique)',
      'courses.course_by_number (unique)',
      'courses.course_by_title',
      'daily_snapshots.daily_snapshot_key (unique)',
      'daily_snapshots.daily_snapshots_by_time',
      'deliveries.deliveries_sent_at',
      'enrollment_grants.grant_key (unique)',
      'enrollments.enrollment_key (unique)',
      'enrollments.enrollments_by_course',
      'installations.installation_by_platform_id (unique)',
      'members.member_by_platform_id (unique)',
      'ratings.rating_key (unique)',
      'ratings.ratings_by_course',
      'score_snapshots.snapshots_by_time_and_seq',
    ]);
  });

  it('given a server dropping after start-up, when commands run, then unavailable, then back', async () => {
    const fake = await startMingoMongo();
    cleanup.push(() => fake.stop());
    const store: Store = await openMongoStore(`mongodb://127.0.0.1:${fake.port}/syllabot`, new RecordingLogger(), { serverSelectionTimeoutMS: 1000, allowStandalone: true });
    cleanup.push(() => store.close());
    await store.ping();

    await fake.stop();
    await expect(store.ping()).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(store.listCommunities()).rejects.toBeInstanceOf(StorageUnavailableError);
    const core = createCore({ store, logger: new RecordingLogger(), config: { BAYES_PRIOR_WEIGHT: 5 } });
    const result = await core.router.handle({
      community: { platform: 'console', externalId: 'local', name: 'Local' },
      actor: { externalId: 'ana', displayName: 'Ana', isModerator: false, locale: 'en' },
      input: { kind: 'line', line: '/courses' },
      surface: { forms: false, buttons: false },
      rateLimited: false,
    });
    expect(result.outcome).toBe('unavailable');
    expect(JSON.stringify(result.reply)).toContain('Storage is unavailable right now');

    await fake.start();
    // The driver reconnects by itself; a few pings may still fail while it notices.
    let lastError: unknown = null;
    for (let attempt = 0; attempt < 30; attempt++) {
      lastError = await store.ping().then(
        () => null,
        (e: unknown) => e,
      );
      if (lastError === null) break;
    }
    expect(lastError).toBeNull();
    expect(await store.listCommunities()).toEqual([]);
  });
});
