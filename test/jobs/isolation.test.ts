import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResult } from '../../src/core/router.ts';
import { renderReply } from '../../adapters/console/render.ts';
import { waitUntil, worldWithJobs, type Post } from './harness.ts';

/**
 * Issue 9, isolation: two communities whose members have the same platform ids. Reminders and
 * digests (through the real BullMQ jobs) and previews and scores (through the core) of one never
 * carry anything of the other.
 */
describe('isolation of reminders and digests between communities (real Redis)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('given ana in two communities, when her messages go out, then each has only its own course', async () => {
    const { world, messenger } = await worldWithJobs(cleanups, { options: { nudgeAfterMs: 300 } });

    const say = (community: string, member: string, line: string): Promise<CommandResult> =>
      world.core.router.handle({
        community: { platform: 'console', externalId: community, name: community },
        actor: { externalId: member, displayName: member, isModerator: member === 'you', locale: 'en' },
        input: { kind: 'line', line },
        surface: { forms: false, buttons: false },
        rateLimited: false,
      });
    const own = { alpha: 'Alpha Rust', beta: 'Beta Go' } as const;
    for (const [community, title] of Object.entries(own)) {
      await say(community, 'you', `/course add title:"${title}"`);
      await say(community, 'ana', '/enroll 1');
      await say(community, 'ana', '/rate 1 5');
    }

    // The nudge is skipped for rated courses; a second member who has not rated gets one in each.
    for (const community of Object.keys(own)) await say(community, 'bo', '/enroll 1');
    await waitUntil(() => messenger.posts.filter((p) => p.kind === 'member').length === 2, 'one nudge per community');

    for (const community of Object.keys(own) as (keyof typeof own)[]) {
      const found = await world.store.findCommunity({ platform: 'console', externalId: community });
      const updated = await world.store.updateCommunitySettings(found!.id, { digest: { channelId: 'general', schedule: '*/2 * * * * *', timezone: 'UTC' } });
      await world.core.events.publish({ type: 'settings-changed', community: updated });
    }
    const digestsOf = (community: string): Post[] => messenger.posts.filter((p) => p.kind === 'channel' && p.community.externalId === community);
    await waitUntil(() => digestsOf('alpha').length >= 1 && digestsOf('beta').length >= 1, 'a digest in each community');
    for (const community of Object.keys(own)) {
      const found = await world.store.findCommunity({ platform: 'console', externalId: community });
      await world.core.events.publish({ type: 'settings-changed', community: await world.store.updateCommunitySettings(found!.id, { digest: undefined }) });
    }

    for (const [community, title] of Object.entries(own)) {
      const other = community === 'alpha' ? own.beta : own.alpha;
      const posts = messenger.posts.filter((p) => p.community.externalId === community);
      expect(posts.filter((p) => p.kind === 'member').map((p) => p.to)).toEqual(['bo']);
      for (const post of posts) {
        expect(post.text).toContain(title);
        expect(post.text).not.toContain(other);
      }
      const preview = renderReply((await say(community, 'ana', '/digest now')).reply);
      expect(preview).toContain(title);
      expect(preview).not.toContain(other);
      const score = await say(community, 'ana', '/score');
      expect(renderReply(score.reply)).toContain(`1. #1 ${title}`);
      expect(renderReply(score.reply)).not.toContain(other);
      expect(score.reply.fields.find((f) => f.label === 'Members (N)')?.value).toBe('3');
    }
  });
});
