import type { webApi } from '@slack/bolt';
import type { Logger } from '../../src/ports/logger.ts';

/** What Slack says about a member, as the core needs it. */
export interface SlackMemberInfo {
  displayName: string;
  /** The member's Slack language (`zh-CN`, `en-US`), when Slack reports it. */
  locale?: string | undefined;
  /** Workspace owner, primary owner or admin. */
  workspaceAdmin: boolean;
}

interface Cached {
  info: SlackMemberInfo;
  expires: number;
}

/**
 * users.info (with include_locale) per member, cached for a few minutes: it runs on every
 * command, click and Home visit. A lookup that fails is not cached and answers with the least
 * privilege (not an admin, no locale), so an outage never grants moderation.
 */
export class SlackMemberDirectory {
  private readonly cache = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<SlackMemberInfo>>();

  constructor(
    private readonly api: webApi.WebClient,
    private readonly logger: Logger,
    private readonly ttlMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 20_000,
  ) {}

  async lookup(token: string, teamId: string, userId: string, fallbackName: string): Promise<SlackMemberInfo> {
    const key = `${teamId}:${userId}`;
    const hit = this.cache.get(key);
    if (hit && hit.expires > this.now()) return hit.info;
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetch(token, key, userId, fallbackName).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending.then((info) => info, () => ({ displayName: fallbackName || userId, workspaceAdmin: false }));
  }

  /** Drops what we know about a workspace's members (uninstall, revoked tokens). */
  forgetWorkspace(teamId: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${teamId}:`)) this.cache.delete(key);
  }

  private async fetch(token: string, key: string, userId: string, fallbackName: string): Promise<SlackMemberInfo> {
    try {
      const { user } = await this.api.users.info({ token, user: userId, include_locale: true });
      const profile = user?.profile;
      const info: SlackMemberInfo = {
        displayName: firstText(profile?.display_name, profile?.real_name, user?.real_name, user?.name, fallbackName, userId),
        locale: user?.locale,
        workspaceAdmin: Boolean(user?.is_admin || user?.is_owner || user?.is_primary_owner),
      };
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { info, expires: this.now() + this.ttlMs });
      return info;
    } catch (error) {
      this.logger.warn({ user: userId, err: error }, 'users.info failed; treating the member as a non-admin with no locale');
      throw error;
    }
  }
}

function firstText(...candidates: (string | undefined)[]): string {
  return candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '')?.trim() ?? '';
}
