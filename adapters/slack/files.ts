import type { Translator } from '../../src/core/i18n.ts';
import { refusalText } from '../../src/core/file-notices.ts';
import { collectFiles, type CollectedFile, type FileLimits } from '../../src/domain/files.ts';
import type { Reply } from '../../src/domain/reply.ts';

const GiB = 1024 * 1024 * 1024;

/**
 * Slack takes files of up to 1 GB each; Syllabot sends at most 10 with one message, which is
 * what Slack shows together.
 */
export const SLACK_FILES: FileLimits = { perFile: GiB, total: 10 * GiB, count: 10 };

const PLATFORM = 'Slack';

export interface SlackFilesOut {
  /** The reply to post as a message: notices added, the image kept only if it has a public address. */
  reply: Reply;
  /** Files to upload (the chart first when it has no public address). */
  files: CollectedFile[];
  /** The alt text of the uploaded chart, by file name. */
  altText: Map<string, string>;
}

/**
 * Sorts a reply's files for Slack: a chart with a public URL stays in the message as an image
 * block; every other file (a chart without one, exports) is read within Slack's limits for
 * files.uploadV2.
 */
export async function prepareSlackFiles(reply: Reply, i18n: Translator, limits: FileLimits = SLACK_FILES): Promise<SlackFilesOut> {
  const uploadImage = reply.image && !reply.image.url ? reply.image : undefined;
  const wanted = [...(uploadImage ? [uploadImage.file] : []), ...(reply.files ?? [])];
  if (wanted.length === 0) return { reply, files: [], altText: new Map() };
  const collected = await collectFiles(wanted, limits);
  const { files: _files, image, ...rest } = reply;
  const altText = new Map<string, string>();
  if (uploadImage) {
    const kept = collected.files[0];
    if (kept && collected.refused.every((r) => r.name !== uploadImage.file.name)) altText.set(kept.name, uploadImage.alt);
  }
  return {
    reply: {
      ...rest,
      ...(image?.url ? { image } : {}),
      body: [...reply.body, ...collected.refused.map((r) => refusalText(r, i18n, PLATFORM))],
    },
    files: collected.files,
    altText,
  };
}
