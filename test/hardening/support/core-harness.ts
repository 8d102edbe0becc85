import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../../../src/composition/app.ts';
import type { SqliteStore } from '../../../src/infra/sqlite/sqlite-store.ts';
import { createTestCore } from '../../support/core.ts';
import { RecordingLogger } from '../../support/logger.ts';
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

export interface CoreHarness {
  core: Core;
  store: SqliteStore;
  logger: RecordingLogger;
  path: string;
  dispose(): Promise<void>;
}

/** A real Core on a real SQLite file (the one builder, test/support/core.ts), logging to a recorder. */
export function openCore(options: { rateLimiter?: RateLimiter; path?: string } = {}): CoreHarness {
  const logger = new RecordingLogger();
  const core = createTestCore({ logger, ...options });
  return { core, store: core.sqlite, logger, path: core.path, dispose: () => core.dispose() };
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
