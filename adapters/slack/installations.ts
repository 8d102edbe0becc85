import type { Installation as BoltInstallation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Logger } from '../../src/ports/logger.ts';
import type { SecretBox } from '../../src/ports/secret-box.ts';
import type { Installation, InstallationStore as StoredInstallationPort, PrivacyStore } from '../../src/ports/store/index.ts';

/** Installations, and ending a workspace's grace period when it installs again. */
type InstallationPort = StoredInstallationPort & Pick<PrivacyStore, 'markCommunityRemoved'>;
import type { WorkspaceAuthorization, WorkspaceTokens } from './workspaces.ts';

/** Team names remembered for the requests' context; names are not secret, tokens are never kept. */
const NAMES_KEPT = 10_000;

/**
 * Slack installations (OAuth mode) kept in the project's Store: Bolt's InstallationStore for
 * its OAuth flow and its per-request authorization, and the WorkspaceTokens the handlers and
 * the messenger use.
 *
 * The Installation Bolt hands over (the bot token; user or refresh tokens too, should the app
 * ever ask for them) is sealed whole with the SecretBox, bound to its workspace id; in clear the
 * store only gets the workspace's name, the bot user id, the scopes and the date. Tokens are not
 * cached: every lookup reads the store, so an uninstall that reaches any bot process stops every
 * process (and every worker) from using that token.
 */
export class StoredInstallations implements InstallationStore, WorkspaceTokens {
  private readonly names = new Map<string, string>();

  constructor(
    private readonly store: InstallationPort,
    private readonly box: SecretBox,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async storeInstallation<V extends 'v1' | 'v2'>(installation: BoltInstallation<V, boolean>): Promise<void> {
    const externalId = installation.isEnterpriseInstall ? installation.enterprise?.id : installation.team?.id;
    if (!externalId) throw new Error('Slack sent an installation without a team or enterprise id');
    const record: Installation = {
      platform: 'slack',
      externalId,
      sealed: this.box.seal(JSON.stringify(installation), sealContext(externalId)),
      name: installation.team?.name ?? installation.enterprise?.name ?? externalId,
      botUserId: installation.bot?.userId ?? null,
      scopes: installation.bot?.scopes ?? [],
      installedAt: this.now(),
    };
    await this.store.saveInstallation(record);
    // A reinstall within the grace period keeps everything.
    await this.store.markCommunityRemoved({ platform: 'slack', externalId }, null);
    this.remember(externalId, record.name);
    this.logger.info({ team: externalId, scopes: record.scopes }, 'Slack workspace installed the app');
  }

  async fetchInstallation(query: InstallationQuery<boolean>): Promise<BoltInstallation<'v1' | 'v2', boolean>> {
    const externalId = queryKey(query);
    const found = externalId ? await this.open(externalId) : null;
    // Bolt turns this into "not authorized": the request is acknowledged and nothing else happens.
    if (!found) throw new Error(`Syllabot is not installed in Slack workspace ${externalId ?? '(unknown)'}`);
    if (query.teamId) this.remember(query.teamId, found.name);
    return found.installation;
  }

  async deleteInstallation(query: InstallationQuery<boolean>): Promise<void> {
    const externalId = queryKey(query);
    if (externalId) await this.forget(externalId);
  }

  /** The bot token for a workspace: its own installation, else its organisation's (an org-wide install). */
  async authorize(teamId: string | undefined, enterpriseId?: string): Promise<WorkspaceAuthorization | null> {
    for (const id of [teamId, enterpriseId]) {
      if (!id) continue;
      const found = await this.open(id);
      const bot = found?.installation.bot;
      if (found && bot) return { botToken: bot.token, botUserId: bot.userId, botId: bot.id, teamName: found.name };
    }
    return null;
  }

  /** Uninstalled or revoked: the installation goes; the workspace's community and courses stay. */
  async forget(teamId: string): Promise<void> {
    this.names.delete(teamId);
    const deleted = await this.store.deleteInstallation({ platform: 'slack', externalId: teamId });
    if (deleted) this.logger.info({ team: teamId }, 'Slack installation deleted');
  }

  /** The workspace's name as of its last install or request, when this process has seen it. */
  teamName(teamId: string): string | undefined {
    return this.names.get(teamId);
  }

  private async open(externalId: string): Promise<{ installation: BoltInstallation<'v1' | 'v2', boolean>; name: string } | null> {
    const record = await this.store.findInstallation({ platform: 'slack', externalId });
    if (!record) return null;
    let plaintext: string;
    try {
      plaintext = this.box.open(record.sealed, sealContext(externalId));
    } catch (error) {
      this.logger.error({ team: externalId, err: error }, 'a stored Slack installation cannot be decrypted; that workspace gets no answer until it reinstalls the app');
      return null;
    }
    return { installation: JSON.parse(plaintext) as BoltInstallation<'v1' | 'v2', boolean>, name: record.name };
  }

  private remember(teamId: string, name: string): void {
    this.names.delete(teamId);
    this.names.set(teamId, name);
    if (this.names.size > NAMES_KEPT) this.names.delete(this.names.keys().next().value!);
  }
}

/** What a sealed installation is bound to: it opens only as the row of that workspace. */
export function sealContext(externalId: string): string {
  return `slack-installation:${externalId}`;
}

/** An org-wide install is stored under its enterprise id, a workspace's under its team id. */
function queryKey(query: InstallationQuery<boolean>): string | undefined {
  if (query.isEnterpriseInstall && query.enterpriseId) return query.enterpriseId;
  return query.teamId ?? query.enterpriseId;
}
