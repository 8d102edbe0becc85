import type { Core } from '../../../src/composition/app.ts';
import { loadConfig, type Config } from '../../../src/composition/config.ts';
import type { Command } from '../../../src/core/command.ts';
import type { PlatformAdapter } from '../../../src/ports/platform.ts';
import type { RateLimiter } from '../../../src/ports/rate-limiter.ts';
import { createDiscordAdapter, type DiscordAdapterConfig } from '../../../adapters/discord/index.ts';
import { discordAdapterConfig } from '../../../src/composition/adapter-config.ts';
import { FakeDiscord, type FakeDiscordOptions } from './fake-discord.ts';
import { createTestCore } from '../../support/core.ts';
import { RecordingLogger, type LogEntry } from '../../support/logger.ts';

export interface RunningBot {
  fake: FakeDiscord;
  core: Core;
  config: Config;
  adapter: PlatformAdapter;
  logs: LogEntry[];
  /** Stops the adapter (if still running), closes the store, the fake and removes the temp folder. */
  close(): Promise<void>;
}

/**
 * The real adapter around a real core on a temporary SQLite file, connected to a fake Discord.
 * `prepare` runs before the adapter connects (to add guilds that READY should list).
 */
export async function startBot(
  options: {
    env?: Record<string, string>;
    adapter?: Pick<DiscordAdapterConfig, 'deferAfterMs' | 'drainMs'>;
    fake?: FakeDiscordOptions | FakeDiscord;
    prepare?: (fake: FakeDiscord) => void;
    rateLimiter?: RateLimiter;
    /** Commands besides the built-in ones. */
    commands?: readonly Command[];
  } = {},
): Promise<RunningBot> {
  const fake = options.fake instanceof FakeDiscord ? options.fake : await FakeDiscord.start(options.fake);
  options.prepare?.(fake);
  const logger = new RecordingLogger();
  const env = { DISCORD_TOKEN: fake.token, DISCORD_API_URL: fake.apiUrl, JOBS_ENABLED: 'false', ...options.env };
  const core = createTestCore({
    logger,
    config: loadConfig(env),
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    ...(options.commands ? { extraCommands: options.commands } : {}),
  });
  const config = loadConfig({ ...env, SQLITE_PATH: core.path });
  const adapter = createDiscordAdapter({ ...discordAdapterConfig({ core, config, logger }), ...options.adapter });
  core.messengers.register(adapter.messenger);
  await adapter.start();
  let stopped = false;
  return {
    fake,
    core,
    config,
    adapter: {
      ...adapter,
      platform: adapter.platform,
      messenger: adapter.messenger,
      start: () => adapter.start(),
      stop: async () => {
        stopped = true;
        await adapter.stop();
      },
      health: () => adapter.health(),
    },
    logs: logger.entries,
    async close() {
      if (!stopped) await adapter.stop();
      await core.dispose();
      await fake.close();
    },
  };
}

/** Waits until `check` returns a value (not a timing assertion: it fails only if it never happens). */
export async function until<T>(check: () => T | undefined | null | false, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
