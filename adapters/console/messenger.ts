import type { Writable } from 'node:stream';
import type { CommunityRef } from '../../src/domain/model.ts';
import type { Reply } from '../../src/domain/reply.ts';
import type { Messenger } from '../../src/ports/messenger.ts';
import { renderReply } from './render.ts';
import { safeText } from '../shared/text.ts';

/**
 * The console's Messenger: jobs' posts (digests to a channel, reminders to a member) are
 * printed to the terminal under a header naming where they would have gone.
 */
export function createConsoleMessenger(output: Writable): Messenger {
  const print = (community: CommunityRef, to: string, reply: Reply): Promise<void> =>
    new Promise((resolve, reject) => {
      const header = safeText(`── ${to} · ${community.externalId} ──`);
      output.write(`\n${header}\n${renderReply(reply)}\n\n`, (err) => (err ? reject(err) : resolve()));
    });
  return {
    platforms: ['console'],
    postToChannel: (community, channelId, reply) => print(community, `#${channelId}`, reply),
    sendToMember: (community, memberExternalId, reply) => print(community, `@${memberExternalId}`, reply),
  };
}
