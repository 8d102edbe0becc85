import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../../src/composition/app.ts';
import { loadConfig, type Config } from '../../../src/composition/config.ts';
import { SqliteStore } from '../../../src/infra/sqlite/sqlite-store.ts';
import type { Logger } from '../../../src/ports/logger.ts';
import type { Command } from '../../../src/core/command.ts';
import type { PlatformAdapter } from '../../../src/ports/platform.ts';
import type { RateLimiter } from '../../../src/ports/rate-limiter.ts';
import { createDiscordAdapter, type DiscordAdapterConfig } from '../../../adapters/discord/index.ts';
import { discordAdapterConfig } from '../../../src/composition/adapter-config.ts';
import { FakeDiscord, type FakeDiscordOptions } from './fake-discord.ts';

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  obj: Record<string, unknown>;
  msg: string | undefined;
}

/** A Logger that keeps what it is told, so tests can find an error id or check for secrets. */
export function recordingLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (obj: object, msg?: string) => entries.push({ level, obj: { ...bindings, ...(obj as Record<string, unknown>) }, msg });
  return {
    entries,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}

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
  const dir = mkdtempSync(join(tmpdir(), 'syllabot-discord-'));
  const config = loadConfig({
    DISCORD_TOKEN: fake.token,
    DISCORD_API_URL: fake.apiUrl,
    SQLITE_PATH: join(dir, 'syllabot.sqlite'),
    JOBS_ENABLED: 'false',
    ...options.env,
  });
  const store = SqliteStore.open({ path: config.SQLITE_PATH });
  const logger = recordingLogger();
  const core = createCore({
    store,
    logger,
    config,
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    ...(options.commands ? { extraCommands: options.commands } : {}),
  });
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
      await store.close();
      await fake.close();
      rmSync(dir, { recursive: true, force: true });
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
