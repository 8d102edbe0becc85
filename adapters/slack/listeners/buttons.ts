import type { App } from '@slack/bolt';
import { ACTION_PREFIX, decodeInvocation, PAGE_ACTION } from '../invocation.ts';
import type { ListenerHelpers, Target } from './helpers.ts';

/**
 * Buttons: the invocation rides in the value; the core checks it like a typed command. One
 * listener for every action: Bolt runs each registered listener's matchers on every request,
 * so each listener costs every slash command a little. Buttons of other apps' messages or of
 * older versions are acknowledged, nothing else.
 */
export function listenToButtons(app: App, kit: ListenerHelpers): void {
  app.action(/.*/, ({ ack, body, action, context }) =>
    kit.work('block_actions', async () => {
      await ack();
      if (body.type !== 'block_actions' || action.type !== 'button' || !('action_id' in action) || !action.action_id.startsWith(ACTION_PREFIX)) return;
      const teamId = body.team?.id ?? body.user.team_id;
      if (await kit.duplicate('action', teamId, body.trigger_id, body)) return;
      const who = kit.requester(context, teamId, body.user.id, body.user.username ?? body.user.name);
      if (!who) return;
      const identity = await kit.identify(who);
      const container: Record<string, unknown> = body.container ?? {};
      const target: Target = {
        who,
        respond: kit.respondTo(body.response_url),
        triggerId: body.trigger_id,
        channelId: body.channel?.id ?? (typeof container.channel_id === 'string' ? container.channel_id : undefined),
        ephemeralOnly: true,
      };
      const invoke = decodeInvocation(action.value);
      if (!invoke) {
        await kit.notice(target, identity.actor.locale, (i18n) => ({ tone: 'warning', body: [i18n.t('slack:staleButton')] }));
        return;
      }
      const result = await kit.router.handle({
        ...identity,
        input: { kind: 'structured', command: invoke.command, options: invoke.options },
        surface: { ...kit.interactive, forms: Boolean(body.trigger_id) },
        rateLimited: true,
      });
      // Turning a page of a list only the clicker sees replaces it; a list posted in the
      // channel stays as it is and the clicker gets their page for themselves.
      const replace = action.action_id.startsWith(PAGE_ACTION) && result.outcome === 'ok' && container.is_ephemeral === true && Boolean(body.response_url);
      await kit.answer(result, { ...target, replace });
    }),
  );
}
