import { ErrorCode, type App } from '@slack/bolt';
import type { ListenerHelpers } from './helpers.ts';

/**
 * Uninstalls and revoked tokens: stop using what we hold for that workspace (in OAuth mode,
 * delete its stored installation; its community and courses stay). Bolt delivers these
 * without authorizing them. Not deduplicated: forgetting twice is harmless.
 */
export function listenToWorkspaceEvents(app: App, kit: ListenerHelpers): void {
  const { members, tokens } = kit.deps;
  const forgetWorkspace = async (teamId: string | undefined, why: string) => {
    if (!teamId) return;
    members.forgetWorkspace(teamId);
    await tokens.forget(teamId);
    kit.logger.info({ team: teamId, why }, 'Slack workspace tokens forgotten');
  };
  // One listener for both (each listener costs every request a little, see buttons.ts).
  app.event(/^(app_uninstalled|tokens_revoked)$/, ({ event, body }) =>
    kit.work(event.type, async () => {
      if (event.type === 'app_uninstalled') {
        await forgetWorkspace(body.team_id, 'app_uninstalled');
        // The workspace's data is kept for the grace period (GRACE_PERIOD_DAYS), then purged.
        if (body.team_id) await kit.deps.onWorkspaceRemoved?.(body.team_id);
      } else if (event.type === 'tokens_revoked' && (event.tokens.bot ?? []).length > 0) {
        await forgetWorkspace(body.team_id, 'tokens_revoked');
      }
    }),
  );

  app.error(async (error) => {
    // A workspace without an installation (never installed, uninstalled, undecryptable): the
    // request was acknowledged and dropped. Expected now and then, not a failure of ours.
    if (error.code === ErrorCode.AuthorizationError) {
      kit.logger.info({ err: error }, 'Slack request from a workspace without a usable installation ignored');
      return;
    }
    kit.logger.error({ err: error }, 'Slack listener failed');
  });
}
