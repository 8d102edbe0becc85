import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { chunksOf, safeFileName } from '../../src/domain/files.ts';
import type { ReplyFile } from '../../src/domain/reply.ts';

/** `2026-12-01`, the day in UTC (the folder name a person sorts by). */
export function isoDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/**
 * Writes a reply's files as they stream in, under `<dir>/<community>-<day>/` (names made safe,
 * so no file lands outside it), and returns their absolute paths. A file of the same name from
 * earlier that day is replaced: the newest export is the one that counts.
 */
export async function writeReplyFiles(files: readonly ReplyFile[], dir: string, community: string, at: Date): Promise<string[]> {
  const folder = resolve(dir, `${safeFileName(community)}-${isoDay(at)}`);
  await mkdir(folder, { recursive: true });
  const paths: string[] = [];
  for (const file of files) {
    const path = join(folder, safeFileName(file.name));
    await pipeline(Readable.from(chunksOf(file.content)), createWriteStream(path));
    paths.push(path);
  }
  return paths;
}
