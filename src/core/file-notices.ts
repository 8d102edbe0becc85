import { formatBytes, type RefusedFile } from '../domain/files.ts';
import type { Translator } from './i18n.ts';

/** The line that tells a member a file was left out, naming the platform's limit. */
export function refusalText(refused: RefusedFile, i18n: Translator, platform: string): string {
  return refused.reason === 'too-large'
    ? i18n.t('analytics:files.tooLarge', { name: refused.name, limit: formatBytes(refused.limit), platform })
    : i18n.t('analytics:files.tooMany', { name: refused.name, limit: refused.limit, platform });
}
