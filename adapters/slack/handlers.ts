import type { App } from '@slack/bolt';
import { listenToAppHome } from './listeners/app-home.ts';
import { listenToButtons } from './listeners/buttons.ts';
import { listenToForms } from './listeners/forms.ts';
import { ListenerHelpers, type SlackHandlerDeps } from './listeners/helpers.ts';
import { listenToSlashCommands } from './listeners/slash-commands.ts';
import { listenToWorkspaceEvents } from './listeners/workspace-events.ts';

export type { SlackHandlerDeps } from './listeners/helpers.ts';

/** Every Bolt listener of the adapter, one module per kind over the shared helpers. */
export function registerHandlers(app: App, deps: SlackHandlerDeps): void {
  const kit = new ListenerHelpers(deps);
  listenToSlashCommands(app, kit);
  listenToButtons(app, kit);
  listenToForms(app, kit);
  listenToAppHome(app, kit);
  listenToWorkspaceEvents(app, kit);
}
