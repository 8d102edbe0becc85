import type { App } from '@slack/bolt';
import type { CommandResult } from '../../../src/core/facade.ts';
import { renderHome, renderTexts } from '../render.ts';
import type { ListenerHelpers } from './helpers.ts';

/** App Home: the commands that declare a home view (my courses, the top-rated ones), in the member's language. */
export function listenToAppHome(app: App, kit: ListenerHelpers): void {
  const helpSlash = kit.deps.commands.find((c) => c.name === 'help')?.slash ?? '/help';
  app.event('app_home_opened', ({ event, body, context }) =>
    kit.work('app_home_opened', async () => {
      if (event.tab !== 'home') return;
      if (await kit.duplicate('event', body.team_id, body.event_id, body)) return;
      const who = kit.requester(context, body.team_id, event.user, undefined);
      if (!who) return;
      const identity = await kit.identify(who);
      const base = { ...identity, surface: kit.inForm, rateLimited: true };
      // One after the other: the first registers the member, the next ones find them.
      const results: CommandResult[] = [];
      for (const command of kit.router.commands.homeViews()) {
        results.push(await kit.router.handle({ ...base, input: { kind: 'structured', command: command.id, options: { ...command.home?.options } } }));
      }
      const i18n = kit.translator(results[0]?.locale ?? identity.actor.locale);
      const replies = results.map((r) => r.reply);
      const view = renderHome({ title: i18n.t('slack:home.title'), intro: i18n.t('slack:home.intro', { help: helpSlash }), replies }, renderTexts(i18n));
      await kit.deps.api.views.publish({ token: who.token, user_id: event.user, view });
    }),
  );
}
