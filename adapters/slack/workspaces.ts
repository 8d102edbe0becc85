import type { webApi } from '@slack/bolt';

/**
 * Which bot token serves which workspace. Every request and every post asks for the token of
 * the workspace it concerns, so the single-workspace mode here (SLACK_BOT_TOKEN) and OAuth mode
 * (one stored token per installed workspace, installations.ts) plug in the same way.
 */
export interface WorkspaceAuthorization {
  botToken: string;
  botUserId?: string | undefined;
  botId?: string | undefined;
  /** The workspace's name, as the community's display name. */
  teamName: string;
}

export interface WorkspaceTokens {
  /** The token for a workspace, or null when the app is not installed there. */
  authorize(teamId: string | undefined, enterpriseId?: string): Promise<WorkspaceAuthorization | null>;
  /** The workspace uninstalled the app or revoked its tokens: stop using what we hold. */
  forget(teamId: string): Promise<void>;
}

/** One bot token for one workspace, checked once with auth.test (which also names the team). */
export class SingleWorkspaceTokens implements WorkspaceTokens {
  private verified: Promise<WorkspaceAuthorization & { teamId: string }> | undefined;
  private teamId: string | undefined;
  private revoked = false;

  constructor(
    private readonly api: webApi.WebClient,
    private readonly botToken: string,
  ) {}

  /** Asks Slack whether the token works; rejects with Slack's error code (never the token). */
  verify(): Promise<WorkspaceAuthorization & { teamId: string }> {
    this.verified ??= this.api.auth.test({ token: this.botToken }).then(
      (auth) => {
        this.teamId = auth.team_id;
        return {
          botToken: this.botToken,
          botUserId: auth.user_id,
          botId: auth.bot_id,
          teamId: auth.team_id ?? '',
          teamName: auth.team ?? auth.team_id ?? 'Slack',
        };
      },
      (error: unknown) => {
        this.verified = undefined;
        throw new Error(`Slack refused SLACK_BOT_TOKEN on auth.test: ${slackErrorCode(error)}`);
      },
    );
    return this.verified;
  }

  /** Every request gets the one token (an Enterprise Grid org install spans several team ids). */
  async authorize(_teamId?: string, _enterpriseId?: string): Promise<WorkspaceAuthorization | null> {
    if (this.revoked) return null;
    return this.verify();
  }

  async forget(teamId: string): Promise<void> {
    if (teamId === this.teamId) this.revoked = true;
  }
}

/** Slack's short error code (`invalid_auth`, `channel_not_found`) or the error's message. */
export function slackErrorCode(error: unknown): string {
  if (error && typeof error === 'object') {
    const data = (error as { data?: { error?: unknown } }).data;
    if (data && typeof data.error === 'string') return data.error;
    if ('message' in error && typeof error.message === 'string') return error.message;
  }
  return String(error);
}
