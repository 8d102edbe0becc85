import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/composition/config.ts';
import { createTestCore } from '../support/core.ts';
import { RedisRequestClaims } from '../../src/infra/redis-request-claims.ts';
import { createDiscordAdapter } from '../../adapters/discord/index.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, PERMISSIONS, slashCommand, textOf, type FakeMember } from '../fakes/discord/interactions.ts';
import { RecordingLogger, type LogEntry } from '../support/logger.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { cleanupPrefix, randomPrefix, SHARED_REDIS_URL } from '../jobs/harness.ts';
import { eventually } from '../support/processes.ts';
import { discordAdapterConfig } from '../../src/composition/adapter-config.ts';

/**
 * Two bot processes connected as the same shard (a shard split set up wrong, or a rolling
 * restart where the new process is up before the old one stops): Discord sends each
 * interaction to both. With request claims shared through Redis, one handles it.
 */
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('two Discord processes on one shard', () => {
  it('given two sessions sharing claims, when one interaction reaches both, then it is handled once', async () => {
    const fake = await FakeDiscord.start();
    cleanups.push(() => fake.close());
    const guild = fake.addGuild({ name: 'Overlap' });
    const dir = mkdtempSync(join(tmpdir(), 'syllabot-same-shard-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const prefix = randomPrefix();
    cleanups.push(() => cleanupPrefix(prefix));
    const config = loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, SQLITE_PATH: join(dir, 'shared.sqlite'), JOBS_ENABLED: 'false' });

    const logs: LogEntry[] = [];
    const processes = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const redis = new Redis(SHARED_REDIS_URL);
        const logger = new RecordingLogger(logs, { process: name });
        // Both processes open the one file in the test's folder.
        const core = createTestCore({ path: config.SQLITE_PATH, logger, config });
        const store = core.sqlite;
        const adapter = createDiscordAdapter(discordAdapterConfig({ core, config, logger, requestClaims: new RedisRequestClaims(redis, `${prefix}:requests`, logger) }));
        await adapter.start();
        cleanups.push(async () => {
          await adapter.stop();
          await core.dispose();
          redis.disconnect();
        });
        return { store, adapter };
      }),
    );
    expect(fake.identifies.map((i) => i.shard)).toEqual([
      [0, 1],
      [0, 1],
    ]);

    const mod: FakeMember = { id: snowflake(), username: 'mo', permissions: PERMISSIONS.moderator };
    const ana: FakeMember = { id: snowflake(), username: 'ana' };
    const added = slashCommand(fake, guild, mod, 'course add', { title: 'Once Only' }, { everySession: true });
    expect(textOf(callbackBody(await fake.waitForRequest(isCallback(added))).data)).toContain('Added');
    const enrolled = slashCommand(fake, guild, ana, 'enroll', { course: '1' }, { everySession: true });
    expect(textOf(callbackBody(await fake.waitForRequest(isCallback(enrolled))).data)).toContain("You're enrolled in");

    // The other process saw both and stood back.
    const ignored = await eventually(() => {
      const lines = logs.filter((l) => l.msg === 'interaction already taken by another process on this shard; ignored');
      return lines.length === 2 ? lines : undefined;
    }, 'the second session to ignore both interactions');
    expect(new Set(ignored.map((l) => l.obj.interaction))).toEqual(new Set([added.id, enrolled.id]));
    await Promise.all(processes.map((p) => p.adapter.stop()));
    for (const sent of [added, enrolled]) expect(fake.requestsFor(sent).filter((r) => r.path.endsWith('/callback'))).toHaveLength(1);
    const store = processes[0]!.store;
    const community = (await store.findCommunity({ platform: 'discord', externalId: guild.id }))!;
    expect((await store.listCourses(community.id, { sort: 'number', offset: 0, limit: 10 })).items.map((c) => c.title)).toEqual(['Once Only']);
    expect(await store.listEnrollments(community.id, {})).toHaveLength(1);
  });
});
