import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRegisterCommands } from '../../adapters/discord/register-cli.ts';
import { buildCommandPayloads } from '../../adapters/discord/registration.ts';
import { createCommandRegistry } from '../../commands/index.ts';
import { createMessageCatalog } from '../../src/core/i18n.ts';
import { loadConfig } from '../../src/composition/config.ts';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { RecordingLogger } from '../support/logger.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';
import { registerCommandsConfig } from '../../src/composition/adapter-config.ts';

function capture() {
  const chunks: string[] = [];
  return { write: (text: string) => void chunks.push(text), get text() { return chunks.join(''); } };
}

describe('syllabot register-commands against the fake Discord REST API', () => {
  let fake: FakeDiscord;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  const config = () => loadConfig({ DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl });

  it('given --guild, when run, then the commands are bulk-overwritten in that guild and listed on stdout', async () => {
    const guild = snowflake();
    const out = capture();
    const err = capture();
    const since = fake.requests.length;
    expect(await runRegisterCommands({ guild }, registerCommandsConfig(config(), new RecordingLogger()), out, err)).toBe(0);
    const put = await fake.waitForRequest((r) => r.method === 'PUT', since);
    expect(put.path).toBe(`/applications/${fake.applicationId}/guilds/${guild}/commands`);
    expect(put.authorization).toBe(`Bot ${fake.token}`);
    expect(put.body).toEqual(JSON.parse(JSON.stringify(buildCommandPayloads(createCommandRegistry(), createMessageCatalog()))));
    const names = createCommandRegistry().topLevelNames();
    expect(fake.commands.get(guild)!.map((c) => c.name)).toEqual(names);
    expect(names).toEqual(expect.arrayContaining(['courses', 'enroll', 'unenroll', 'rate', 'score', 'mycourses', 'help', 'course']));
    expect(out.text).toContain(`Registered ${names.length} commands for Syllabot in server ${guild}`);
    expect(out.text).toContain('/course add|edit|archive|unarchive|show  [Manage Server]');
    expect(err.text).toBe('');
  });

  it('given no --guild, when run, then the global commands are replaced', async () => {
    const out = capture();
    const since = fake.requests.length;
    expect(await runRegisterCommands({}, registerCommandsConfig(config(), new RecordingLogger()), out, capture())).toBe(0);
    const put = await fake.waitForRequest((r) => r.method === 'PUT', since);
    expect(put.path).toBe(`/applications/${fake.applicationId}/commands`);
    const course = (put.body as { name: string; default_member_permissions: string | null; description_localizations: Record<string, string> }[]).find((c) => c.name === 'course')!;
    expect(course.default_member_permissions).toBe('32');
    expect(course.description_localizations['zh-CN']).toBeTruthy();
    expect(out.text).toContain(`Registered ${createCommandRegistry().topLevelNames().length} global commands`);
  });

  it('given a wrong token, when run, then it fails with a clear message that does not contain the token', async () => {
    const wrong = `${fake.token}x`;
    const out = capture();
    const err = capture();
    const logger = new RecordingLogger();
    expect(await runRegisterCommands({}, registerCommandsConfig(loadConfig({ DISCORD_TOKEN: wrong, DISCORD_API_URL: fake.apiUrl }), logger), out, err)).toBe(1);
    expect(err.text).toContain('Could not register the commands with Discord: 401: Unauthorized');
    expect(err.text + out.text + JSON.stringify(logger.entries)).not.toContain(wrong);
  });

  it('given no DISCORD_TOKEN, when run, then it explains what to set', async () => {
    const err = capture();
    expect(await runRegisterCommands({}, registerCommandsConfig(loadConfig({}), new RecordingLogger()), capture(), err)).toBe(1);
    expect(err.text).toContain('register-commands needs DISCORD_TOKEN');
  });
});
