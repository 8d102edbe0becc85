import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createCore, type Core, type CoreOptions } from '../../src/composition/app.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import type { CommandInput, CommandRequest, CommandResult } from '../../src/core/router.ts';
import type { Platform } from '../../src/domain/model.ts';
import { silentLogger } from '../../src/ports/logger.ts';

export interface TestCore extends Core {
  sqlite: SqliteStore;
  /** The SQLite file. */
  path: string;
  /** Its folder: a fresh temporary one unless `path` was given. */
  dir: string;
  /** Closes the store and removes the temporary folder (never a folder the test named). */
  dispose(): Promise<void>;
}

export type TestCoreOptions = Partial<Omit<CoreOptions, 'store'>> & {
  /** An existing file to open (a second process on one store, a restart); default: a new one. */
  path?: string;
};

/**
 * The one builder for a real core on a real SQLite file (in a fresh temporary folder unless
 * `path` says otherwise). Every harness (Discord, Slack, jobs, hardening) starts from it.
 */
export function createTestCore(options: TestCoreOptions = {}): TestCore {
  const { path: given, ...coreOptions } = options;
  const dir = given ? dirname(given) : mkdtempSync(join(tmpdir(), 'syllabot-test-'));
  const path = given ?? join(dir, 'syllabot.sqlite');
  const sqlite = SqliteStore.open({ path });
  const core = createCore({ ...coreOptions, store: sqlite, logger: options.logger ?? silentLogger, config: options.config ?? { BAYES_PRIOR_WEIGHT: 5 } });
  return {
    ...core,
    sqlite,
    path,
    dir,
    async dispose() {
      await sqlite.close();
      if (!given) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Speaker {
  /** Runs a console-style line as this member. */
  say(line: string): Promise<CommandResult>;
  run(input: CommandInput, surface?: CommandRequest['surface']): Promise<CommandResult>;
}

/** A member of one community who sends commands through the router, as an adapter would. */
export function member(
  core: Pick<Core, 'router'>,
  who: { id: string; moderator?: boolean; locale?: string; community?: string; platform?: Platform },
): Speaker {
  const request = (input: CommandInput, surface: CommandRequest['surface']): CommandRequest => ({
    community: { platform: who.platform ?? 'console', externalId: who.community ?? 'local', name: who.community ?? 'local' },
    actor: { externalId: who.id, displayName: who.id, isModerator: who.moderator ?? false, locale: who.locale },
    input,
    surface,
    rateLimited: false,
  });
  return {
    say: (line) => core.router.handle(request({ kind: 'line', line }, { forms: false, buttons: false })),
    run: (input, surface = { forms: false, buttons: false }) => core.router.handle(request(input, surface)),
  };
}

/** Every row of every table, for "changes nothing" assertions. */
export function dumpStore(sqlite: SqliteStore, options: { except?: string[] } = {}): string {
  const db = sqlite.database;
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[]).filter((t) => !options.except?.includes(t));
  // Rows sorted by content: some tables are WITHOUT ROWID, and order is not what is compared.
  return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}"`).all().map((row) => JSON.stringify(row)).sort()]));
}

/** The reply's text, flattened, for assertions on what the member reads. */
export function textOf(result: CommandResult): string {
  const r = result.reply;
  return [
    r.title,
    ...r.body,
    ...r.fields.map((f) => `${f.label}: ${f.value}`),
    ...r.sections.flatMap((s) => [s.title, ...s.lines]),
    r.footer,
  ]
    .filter(Boolean)
    .join('\n');
}
