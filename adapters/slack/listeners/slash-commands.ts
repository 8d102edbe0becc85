import type { App } from '@slack/bolt';
import { decodeCommandText } from '../text.ts';
import type { ListenerHelpers, Target } from './helpers.ts';

/**
 * Slash commands: ack at once (Slack waits 3 s), then run and answer through response_url.
 * One listener for every command, so a command Slack knows but this process does not (the
 * manifest and SLACK_COMMAND_PREFIX disagree) still gets an answer rather than a timeout.
 */
export function listenToSlashCommands(app: App, kit: ListenerHelpers): void {
  const coreNameBySlash = new Map(kit.deps.commands.map((c) => [c.slash, c.name]));
  app.command(/^\/.+/, ({ command, ack, context }) =>
    kit.work('command', async () => {
      await ack();
      if (await kit.duplicate('command', command.team_id, command.trigger_id, command)) return;
      const who = kit.requester(context, command.team_id, command.user_id, command.user_name);
      if (!who) return;
      const identity = await kit.identify(who);
      const target: Target = { who, respond: kit.respondTo(command.response_url), triggerId: command.trigger_id, channelId: command.channel_id };
      const name = coreNameBySlash.get(command.command);
      if (!name) {
        await kit.notice(target, identity.actor.locale, (i18n) => ({
          tone: 'error',
          body: [i18n.t('errors:unknownCommand', { command: command.command })],
          footer: i18n.t('common:seeHelp'),
        }));
        return;
      }
      const result = await kit.router.handle({
        ...identity,
        input: { kind: 'text', command: name, text: decodeCommandText(command.text ?? '') },
        surface: kit.interactive,
        rateLimited: true,
      });
      kit.logger.debug({ command: result.command ?? name, outcome: result.outcome }, 'Slack command answered');
      await kit.answer(result, target);
    }),
  );
}
