import { reply, type FormField, type Reply } from '../domain/reply.ts';
import type { Command, CommandContext } from './command.ts';
import { commandLabel } from './usage.ts';

// Longer fields than a URL get a multi-line input.
const PARAGRAPH_OVER = 300;

/**
 * The modal a command opens on Discord and Slack when it arrives without its form fields:
 * derived from the same option declarations as everything else.
 */
export async function buildForm(ctx: CommandContext, command: Command, given: Record<string, unknown>): Promise<Reply> {
  const prefill = command.prefillForm ? await command.prefillForm(ctx, given) : {};
  const fields: FormField[] = (command.form ?? []).map((name) => {
    const spec = command.options[name]!;
    const value = prefill[name];
    return {
      option: name,
      label: ctx.i18n.t(`common:field.${name}`),
      style: (spec.maxLength ?? 0) > PARAGRAPH_OVER ? 'paragraph' : 'short',
      required: spec.required,
      ...(spec.maxLength !== undefined ? { maxLength: spec.maxLength } : {}),
      ...(value !== undefined && value !== '' ? { value } : {}),
    };
  });
  const fixed: Record<string, string> = {};
  for (const [name, value] of Object.entries(given)) {
    if (value !== undefined && !(command.form ?? []).includes(name)) fixed[name] = String(value);
  }
  return reply({
    visibility: 'ephemeral',
    title: ctx.i18n.t(`commands:${command.id}.formTitle`),
    body: [],
    form: {
      title: ctx.i18n.t(`commands:${command.id}.formTitle`),
      submitLabel: ctx.i18n.t('common:form.submit'),
      fields,
      submit: { command: command.id, options: fixed },
    },
    footer: commandLabel(command, ctx.surface.commandPrefix),
  });
}
