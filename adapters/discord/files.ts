import type { Translator } from '../../src/core/i18n.ts';
import { collectFiles, safeFileName, type CollectedFile, type FileLimits } from '../../src/domain/files.ts';
import { refusalText } from '../../src/core/file-notices.ts';
import type { Reply } from '../../src/domain/reply.ts';
import type { AttachmentFile } from './render.ts';

const MiB = 1024 * 1024;

/**
 * What Discord takes in one message from a bot: 10 attachments; 10 MiB a file (the upload limit
 * of a server without boosts, which is what a bot can count on); 25 MiB per request.
 */
export const DISCORD_FILES: FileLimits = { perFile: 10 * MiB, total: 25 * MiB, count: 10 };

const PLATFORM = 'Discord';

export interface PreparedReply {
  /** The reply with a line for each file left out (and without its image if that was one). */
  reply: Reply;
  files: CollectedFile[];
}

/** Reads a reply's image and files within Discord's limits; the chart comes first so it always fits. */
export async function prepareFiles(reply: Reply, i18n: Translator, limits: FileLimits = DISCORD_FILES): Promise<PreparedReply> {
  if (!reply.image && !reply.files?.length) return { reply, files: [] };
  const all = [...(reply.image ? [reply.image.file] : []), ...(reply.files ?? [])];
  const collected = await collectFiles(all, limits);
  const imageKept = reply.image !== undefined && collected.refused.every((r) => r.name !== reply.image!.file.name);
  const notices = collected.refused.map((r) => refusalText(r, i18n, PLATFORM));
  const { image: _image, files: _files, ...rest } = reply;
  return {
    reply: { ...rest, ...(imageKept ? { image: reply.image! } : {}), body: [...reply.body, ...notices] },
    files: collected.files,
  };
}

/** Collected files as discord.js uploads them; the image carries its alt text. */
export function attachments(prepared: PreparedReply): AttachmentFile[] {
  const image = prepared.reply.image;
  return prepared.files.map((f) => ({
    attachment: Buffer.from(f.bytes.buffer, f.bytes.byteOffset, f.bytes.byteLength),
    name: f.name,
    ...(image && safeFileName(image.file.name) === f.name ? { description: image.alt.slice(0, 1024) } : {}),
  }));
}
