import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../../../src/composition/app.ts';
import { SqliteStore } from '../../../src/infra/sqlite/sqlite-store.ts';
import type { Logger } from '../../../src/ports/logger.ts';
import type { RateLimiter } from '../../../src/ports/rate-limiter.ts';
import type { Platform } from '../../../src/domain/model.ts';
import type { Reply } from '../../../src/domain/reply.ts';
import type { CommandInput, CommandRequest, CommandResult } from '../../../src/core/router.ts';
import type { Surface } from '../../../src/core/command.ts';

export interface TempDir {
  dir: string;
  remove(): void;
}

export function tempDir(prefix: string): TempDir {
  const dir = mkdtempSync(join(tmpdir(), `syllabot-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A logger that keeps what was logged at warn and above, so tests can see unexpected errors. */
export class RecordingLogger implements Logger {
  readonly records: { level: string; obj: object; msg?: string | undefined }[] = [];
  trace() {}
  debug() {}
  info() {}
  warn(obj: object, msg?: string) {
    this.records.push({ level: 'warn', obj, msg });
  }
  error(obj: object, msg?: string) {
    this.records.push({ level: 'error', obj, msg });
  }
  child(): Logger {
    return this;
  }
  errors() {
    return this.records.filter((r) => r.level === 'error');
  }
}

export interface CoreHarness {
  core: Core;
  store: SqliteStore;
  logger: RecordingLogger;
  path: string;
  dispose(): Promise<void>;
}

/** A real Core on a real SQLite file in a fresh temporary folder. */
export function openCore(options: { rateLimiter?: RateLimiter; path?: string } = {}): CoreHarness {
  const temp = options.path ? undefined : tempDir('core');
  const path = options.path ?? join(temp!.dir, 'store.sqlite');
  const store = SqliteStore.open({ path });
  const logger = new RecordingLogger();
  const core = createCore({ store, logger, config: { BAYES_PRIOR_WEIGHT: 5 }, ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}) });
  return {
    core,
    store,
    logger,
    path,
    async dispose() {
      await store.close();
      temp?.remove();
    },
  };
}

export interface Who {
  platform: Platform;
  community: string;
  member: string;
  moderator?: boolean;
  locale?: string;
}

export const CHAT_SURFACE: Surface = { forms: false, buttons: true };

export function requestFor(who: Who, input: CommandInput, extra: Partial<CommandRequest> = {}): CommandRequest {
  return {
    community: { platform: who.platform, externalId: who.community, name: `${who.platform} ${who.community}` },
    actor: { externalId: who.member, displayName: who.member, isModerator: who.moderator ?? false, ...(who.locale ? { locale: who.locale } : {}) },
    input,
    surface: CHAT_SURFACE,
    rateLimited: who.platform !== 'console',
    ...extra,
  };
}

/** Runs one typed line as `who`. */
export function run(core: Core, who: Who, line: string, extra: Partial<CommandRequest> = {}): Promise<CommandResult> {
  return core.router.handle(requestFor(who, { kind: 'line', line }, extra));
}

/** Every piece of text a reply carries, one string per piece. */
export function replyTexts(reply: Reply): string[] {
  const out: string[] = [];
  if (reply.title) out.push(reply.title);
  out.push(...reply.body);
  for (const f of reply.fields) out.push(f.label, f.value);
  for (const s of reply.sections) {
    out.push(s.title, ...s.lines);
    for (const f of s.fields ?? []) out.push(f.label, f.value);
    for (const a of s.actions ?? []) out.push(a.label, JSON.stringify(a.invoke));
  }
  for (const row of reply.actions) for (const a of row) out.push(a.label, JSON.stringify(a.invoke));
  if (reply.pagination) out.push(JSON.stringify(reply.pagination));
  if (reply.footer) out.push(reply.footer);
  if (reply.form) {
    out.push(reply.form.title, reply.form.submitLabel, JSON.stringify(reply.form.submit));
    for (const f of reply.form.fields) out.push(f.label, f.value ?? '', f.placeholder ?? '');
  }
  return out;
}

export function replyText(reply: Reply): string {
  return replyTexts(reply).join('\n');
}

/** Whether a reply tells the member something (title, body, sections or a form). */
export function hasVisibleText(reply: Reply): boolean {
  const said = [reply.title ?? '', ...reply.body, ...reply.sections.map((s) => s.title), ...reply.fields.map((f) => f.value), reply.form?.title ?? ''];
  return said.some((text) => text.trim().length > 0);
}

/**
 * Every row of every table with its rowid, in rowid order, as one string: two equal dumps mean the store's
 * content is byte-for-byte the same (BLOBs are hex, numbers keep their type).
 */
export function dumpStore(store: SqliteStore, apartFrom?: Who): string {
  const db = store.database;
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
  const parts: string[] = [];
  for (const table of tables) {
    // `apartFrom`: everything but that member's own membership row (a first command adds it).
    const skip = apartFrom && table === 'members'
      ? ` WHERE NOT (external_id = ${sqlText(apartFrom.member)} AND community_id IN (SELECT id FROM communities WHERE platform = ${sqlText(apartFrom.platform)} AND external_id = ${sqlText(apartFrom.community)}))`
      : '';
    const rows = db.prepare(`SELECT rowid, * FROM "${table.replace(/"/g, '""')}"${skip} ORDER BY rowid`).raw().all() as unknown[][];
    parts.push(`${table}:${JSON.stringify(rows, (_k, v: unknown) => (Buffer.isBuffer(v) ? `blob:${v.toString('hex')}` : typeof v === 'bigint' ? `big:${v}` : v))}`);
  }
  return parts.join('\n');
}

function sqlText(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export { freePort } from '../../support/ports.ts';
