import type { Platform } from '../../domain/model.ts';

/** Where an app is installed: a platform's workspace or organisation id (a Slack team or enterprise id). */
export interface InstallationRef {
  platform: Platform;
  externalId: string;
}

/**
 * One installation of the bot in a workspace (Slack OAuth): its credentials as an opaque blob
 * the adapter sealed (encrypted and authenticated) before handing it over, so the store never
 * holds a token in clear, plus a few facts that are not secret. Not tied to a community: the
 * workspace's courses outlive an uninstall, and an install may come before any command.
 */
export interface Installation extends InstallationRef {
  sealed: Uint8Array;
  /** The workspace's name when it installed the app. */
  name: string;
  botUserId: string | null;
  scopes: string[];
  installedAt: Date;
}

/** Slack OAuth installations; only the Slack adapter sees this part of the store. */
export interface InstallationStore {
  /** Creates or replaces the installation for its platform and external id (a reinstall). */
  saveInstallation(installation: Installation): Promise<void>;
  findInstallation(ref: InstallationRef): Promise<Installation | null>;
  /** True when there was one to delete. */
  deleteInstallation(ref: InstallationRef): Promise<boolean>;
}
