import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Core } from '../../src/composition/app.ts';
import type { MigrateIo } from '../../src/operations/migrate.ts';
import type { Platform } from '../../src/domain/model.ts';
import { createTestCore, member, textOf, type TestCore } from '../support/core.ts';

export function tempDir(): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'syllabot-ops-'));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A core on an existing file (the test owns its folder). */
export function coreOn(path: string): TestCore {
  return createTestCore({ path });
}

export const quietIo = (lines: string[] = []): MigrateIo => ({
  out: (line) => lines.push(line),
  progress: { start: () => undefined, advance: () => undefined, finish: () => undefined },
});

export interface CommunitySpec {
  platform: Platform;
  id: string;
}

/** What members of a community read from /score and every page of /courses (both sorts). */
export async function whatMembersSee(core: Core, community: CommunitySpec): Promise<string[]> {
  const reader = member(core, { id: 'reader-who-never-writes', platform: community.platform, community: community.id });
  const seen: string[] = [];
  for (const line of ['/score', '/courses', '/courses sort:top', '/courses sort:new', '/courses 2', '/courses sort:top 2']) {
    seen.push(textOf(await reader.say(line)));
  }
  return seen;
}
