import type { FileContent, ReplyFile } from './reply.ts';

/** What a surface accepts in one message. */
export interface FileLimits {
  /** Largest single file, in bytes. */
  perFile: number;
  /** All files of one message together, in bytes. */
  total: number;
  /** Files per message. */
  count: number;
}

export interface CollectedFile {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

/** A file a surface could not take, and why; the adapter tells the member. */
export interface RefusedFile {
  name: string;
  reason: 'too-large' | 'too-many';
  /** The limit that was exceeded, in bytes (too-large) or files (too-many). */
  limit: number;
}

export interface CollectedFiles {
  files: CollectedFile[];
  refused: RefusedFile[];
}

/** Every chunk of a file's content in order, whether it was given whole or as a stream. */
export async function* chunksOf(content: FileContent): AsyncIterable<Uint8Array> {
  if (content instanceof Uint8Array) {
    yield content;
    return;
  }
  yield* content();
}

/**
 * Reads a file into memory, stopping as soon as it passes `maxBytes` (the producer is told to
 * stop, so an oversized export is never built in full). Null when it does not fit.
 */
export async function readUpTo(content: FileContent, maxBytes: number): Promise<Uint8Array | null> {
  if (content instanceof Uint8Array) return content.byteLength <= maxBytes ? content : null;
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of content()) {
    size += chunk.byteLength;
    if (size > maxBytes) return null;
    parts.push(chunk);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Reads the files a message can carry, in order, within a surface's limits; the rest are refused. */
export async function collectFiles(files: readonly ReplyFile[], limits: FileLimits): Promise<CollectedFiles> {
  const out: CollectedFiles = { files: [], refused: [] };
  let total = 0;
  for (const file of files) {
    if (out.files.length >= limits.count) {
      out.refused.push({ name: file.name, reason: 'too-many', limit: limits.count });
      continue;
    }
    const room = Math.min(limits.perFile, limits.total - total);
    const bytes = await readUpTo(file.content, room);
    if (!bytes) {
      out.refused.push({ name: file.name, reason: 'too-large', limit: room < limits.perFile ? limits.total : limits.perFile });
      continue;
    }
    total += bytes.byteLength;
    out.files.push({ name: safeFileName(file.name), contentType: file.contentType, bytes });
  }
  return out;
}

/**
 * A file name safe on every surface and file system: no folders, no control or special
 * characters, never empty or hidden.
 */
export function safeFileName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-120);
  return cleaned === '' ? 'file' : cleaned;
}

/** A size in bytes as members read it: `10 MB`, `1 GB` (binary units, as the platforms count). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'] as const;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
