import type { HTTPReceiverOptions, webApi } from '@slack/bolt';
import type { SecretBox } from '../../src/ports/secret-box.ts';
import type { StoredInstallations } from './installations.ts';
import { BOT_SCOPES } from './manifest.ts';

/** Bolt's default OAuth paths, on the same port as /slack/events. */
export const INSTALL_PATH = '/slack/install';
export const REDIRECT_PATH = '/slack/oauth_redirect';

/** OAuth mode (SLACK_CLIENT_ID and its secrets): each workspace installs the app and gets its own token. */
export interface SlackOAuthConfig {
  clientId: string;
  clientSecret: string;
  stateSecret: string;
  /** Seals the installations before they are stored (SYLLABOT_ENCRYPTION_KEY). */
  secretBox: SecretBox;
}

/**
 * What turns Bolt's HTTP receiver into an installable app: `GET /slack/install` sets a signed
 * state cookie and redirects to Slack's consent page (directInstall: no landing page of ours);
 * `GET /slack/oauth_redirect` checks the state against the cookie, exchanges the code with
 * oauth.v2.access and hands the installation to our store. Bolt then authorizes each request by
 * fetching its workspace's installation from that store.
 */
export function oauthReceiverOptions(
  config: SlackOAuthConfig,
  apiUrl: string | undefined,
  installations: StoredInstallations,
  clientOptions: webApi.WebClientOptions,
): Pick<HTTPReceiverOptions, 'clientId' | 'clientSecret' | 'stateSecret' | 'scopes' | 'installationStore' | 'installerOptions'> {
  const { clientId, clientSecret, stateSecret } = config;
  if (!clientId || !clientSecret || !stateSecret) throw new Error('Slack OAuth mode needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_STATE_SECRET.');
  const authorizationUrl = consentPageUrl(apiUrl);
  return {
    clientId,
    clientSecret,
    stateSecret,
    scopes: [...BOT_SCOPES],
    installationStore: installations,
    installerOptions: {
      installPath: INSTALL_PATH,
      redirectUriPath: REDIRECT_PATH,
      directInstall: true,
      // oauth.v2.access and the auth.test after it go where every other Web API call goes.
      clientOptions,
      ...(authorizationUrl ? { authorizationUrl } : {}),
    },
  };
}

/**
 * Slack's consent page lives beside its Web API (https://slack.com/api/ and
 * https://slack.com/oauth/v2/authorize); with SLACK_API_URL pointing elsewhere (a proxy, a
 * local fake), the consent page is on that host too. Unset: Bolt's default, Slack's own.
 */
export function consentPageUrl(apiUrl: string | undefined): string | undefined {
  return apiUrl ? new URL('/oauth/v2/authorize', apiUrl).toString() : undefined;
}
