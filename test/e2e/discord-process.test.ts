import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeDiscord } from '../fakes/discord/fake-discord.ts';
import { callbackBody, isCallback, slashCommand, textOf } from '../fakes/discord/interactions.ts';
import { snowflake } from '../fakes/discord/snowflake.ts';

const ROOT = new URL('../../', import.meta.url).pathname;

describe('DISCORD_TOKEN=… npm start', () => {
  let fake: FakeDiscord;
  let dir: string;
  beforeAll(async () => {
    fake = await FakeDiscord.start();
    dir = mkdtempSync(join(tmpdir(), 'syllabot-discord-process-'));
  });
  afterAll(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a Discord token, when `syllabot start` runs, then Discord answers and SIGTERM exits 0', async () => {
    const guild = fake.addGuild({ name: 'Process test' });
    const child = spawn(process.execPath, ['bin/syllabot.mjs', 'start'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DISCORD_TOKEN: fake.token,
        DISCORD_API_URL: fake.apiUrl,
        SQLITE_PATH: join(dir, 'syllabot.sqlite'),
        JOBS_ENABLED: 'false',
        LOG_LEVEL: 'info',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.split('\n').some((line) => line.includes('"msg":"adapter started"') && line.includes('"platform":"discord"'))) resolve();
      });
      void exited.then((code) => reject(new Error(`syllabot exited with ${code} before starting:\n${stderr}`)));
    });
    try {
      await started;
      const sent = slashCommand(fake, guild, { id: snowflake(), username: 'ana' }, 'help');
      const body = callbackBody(await fake.waitForRequest(isCallback(sent)));
      expect(textOf(body.data)).toContain('Syllabot commands');

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // The console was not opened: no welcome, no prompt, nothing on stdout.
    expect(stdout).toBe('');
    expect(fake.identifies).toHaveLength(1);
    expect(fake.gatewayCloses.map((c) => c.code)).toContain(1000);
    expect(stderr).toContain('"msg":"shutting down"');
    expect(stderr).not.toContain(fake.token);
  });
});
