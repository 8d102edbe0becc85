import type { App, ViewStateValue } from '@slack/bolt';
import type { Reply } from '../../../src/domain/reply.ts';
import { within } from '../../shared/timing.ts';
import { decodeFormMetadata } from '../invocation.ts';
import { BLOCK_KIT } from '../limits.ts';
import { FORM_CALLBACK_ID, INPUT_ACTION_ID } from '../render.ts';
import { fitEscaped } from '../text.ts';
import type { ListenerHelpers, Target } from './helpers.ts';

/**
 * A view submission must be answered within Slack's 3 s with its field errors; past this we
 * close the modal and post the outcome instead.
 */
const FORM_ACK_BUDGET_MS = 2500;

/** Modal submissions: validated by the core; errors go beside the field they are about. */
export function listenToForms(app: App, kit: ListenerHelpers): void {
  app.view(FORM_CALLBACK_ID, ({ ack, body, view, context }) =>
    kit.work('view_submission', async () => {
      if (body.type !== 'view_submission') return ack();
      const teamId = body.team?.id ?? body.user.team_id;
      if (await kit.duplicate('view', teamId, body.trigger_id, body)) {
        await ack();
        return;
      }
      const who = kit.requester(context, teamId, body.user.id, body.user.name);
      if (!who) {
        await ack();
        return;
      }
      const fields = inputBlockIds(view);
      const metadata = decodeFormMetadata(view.private_metadata);
      const handling = (async () => {
        const identity = await kit.identify(who);
        if (!metadata) return { identity, result: undefined };
        const values = formValues(view.state.values);
        const result = await kit.router.handle({
          ...identity,
          input: { kind: 'structured', command: metadata.command, options: { ...metadata.options, ...values } },
          surface: kit.inForm,
          rateLimited: true,
        });
        return { identity, result };
      })();
      const done = await within(handling, FORM_ACK_BUDGET_MS);
      const confirmTo: Target = { who, channelId: metadata?.channelId };
      if (!done) {
        await ack();
        const late = await handling;
        if (late.result) await kit.confirm(late.result, confirmTo);
        return;
      }
      const { identity, result } = done;
      const firstField = fields[0];
      if (!result) {
        const text = kit.translator(identity.actor.locale).t('slack:staleForm');
        await (firstField ? ack({ response_action: 'errors', errors: { [firstField]: fitEscaped(text, BLOCK_KIT.inputError) } }) : ack());
        return;
      }
      if (result.outcome === 'ok' || !firstField) {
        await ack();
        await kit.confirm(result, confirmTo);
        return;
      }
      const field = result.option && fields.includes(result.option) ? result.option : firstField;
      await ack({ response_action: 'errors', errors: { [field]: fitEscaped(errorText(result.reply), BLOCK_KIT.inputError) } });
    }),
  );
}

/** The block ids of a modal's inputs, in order: each is the option the field fills. */
function inputBlockIds(view: { blocks?: unknown; state: { values: Record<string, unknown> } }): string[] {
  const blocks = Array.isArray(view.blocks) ? (view.blocks as { type?: unknown; block_id?: unknown }[]) : [];
  const ids = blocks.filter((b) => b.type === 'input' && typeof b.block_id === 'string').map((b) => b.block_id as string);
  return ids.length > 0 ? ids : Object.keys(view.state.values);
}

/** Text inputs' values by block id (the option name); empty fields are left out. */
function formValues(values: Record<string, Record<string, ViewStateValue | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [blockId, actions] of Object.entries(values)) {
    const value = actions[INPUT_ACTION_ID]?.value;
    if (typeof value === 'string' && value.trim() !== '') out[blockId] = value;
  }
  return out;
}

function errorText(out: Reply): string {
  return [out.title, ...out.body].filter(Boolean).join(' ');
}
