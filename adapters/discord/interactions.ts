import {
  ApplicationCommandOptionType,
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Interaction,
  type ModalSubmitInteraction,
} from 'discord.js';
import { OPTION_NAME } from '../../src/core/command.ts';
import { newErrorId } from '../../src/core/error-id.ts';
import type { Core } from '../../src/core/facade.ts';
import type { CommandInput, CommunityIdentity } from '../../src/core/router.ts';
import { resolveLocale, type Translator } from '../../src/core/i18n.ts';
import { reply as makeReply, type Form } from '../../src/domain/reply.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { actorOf, communityOf } from './actor.ts';
import { decodeCustomId, type ComponentMode, type OverflowTable } from './custom-id.ts';
import { DISCORD } from './limits.ts';
import { loggableError } from './errors.ts';
import { fit, safeText } from '../shared/text.ts';
import { within } from '../shared/timing.ts';
import { attachments, prepareFiles } from './files.ts';
import { NO_MENTIONS, openFormRow, renderModal, renderReply, type RenderedMessage, type RenderContext } from './render.ts';

export interface InteractionDeps {
  core: Pick<Core, 'router' | 'catalog'>;
  logger: Logger;
  moderatorRoleIds: readonly string[];
  overflow: OverflowTable;
  /**
   * How long the core may take before the adapter defers (Discord wants an answer within 3 s;
   * a deferral buys 15 minutes). 0 defers every command at once.
   */
  deferAfterMs: number;
}

type Answerable = ChatInputCommandInteraction | ButtonInteraction | ModalSubmitInteraction;

/**
 * Turns each Discord interaction into a core request and its result into Discord responses.
 * Never throws: an unexpected failure is logged with an id the member is shown.
 */
export class InteractionHandler {
  constructor(private readonly deps: InteractionDeps) {}

  async handle(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isChatInputCommand()) await this.onCommand(interaction);
      else if (interaction.isAutocomplete()) await this.onAutocomplete(interaction);
      else if (interaction.isButton()) await this.onButton(interaction);
      else if (interaction.isModalSubmit()) await this.onModalSubmit(interaction);
    } catch (error) {
      await this.unexpected(interaction, error);
    }
  }

  private translator(interaction: Interaction, locale?: string): Translator {
    return this.deps.core.catalog.translator(resolveLocale(locale, interaction.locale, interaction.guildLocale));
  }

  private renderContext(interaction: Interaction, locale?: string): RenderContext {
    return { i18n: this.translator(interaction, locale), overflow: this.deps.overflow };
  }

  private async onCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const community = communityOf(interaction);
    if (!community) return this.notInServer(interaction);
    const subcommand = interaction.options.getSubcommand(false);
    const command = subcommand ? `${interaction.commandName}.${subcommand}` : interaction.commandName;
    const given = subcommand ? (interaction.options.data[0]?.options ?? []) : interaction.options.data;
    await this.run(interaction, community, { kind: 'structured', command, options: optionValues(given) }, 'reply');
  }

  private async onButton(interaction: ButtonInteraction): Promise<void> {
    const community = communityOf(interaction);
    if (!community) return this.notInServer(interaction);
    const decoded = decodeCustomId(interaction.customId, this.deps.overflow);
    if (!decoded || (decoded.mode !== 'reply' && decoded.mode !== 'update')) return this.stale(interaction);
    await this.run(interaction, community, { kind: 'structured', ...decoded.invoke }, decoded.mode);
  }

  private async onModalSubmit(interaction: ModalSubmitInteraction): Promise<void> {
    const community = communityOf(interaction);
    if (!community) return this.notInServer(interaction);
    const decoded = decodeCustomId(interaction.customId, this.deps.overflow);
    if (!decoded || decoded.mode !== 'modal') return this.stale(interaction);
    const fields: Record<string, string> = {};
    for (const [id, field] of interaction.fields.fields) {
      const value = 'value' in field ? field.value : undefined;
      // An empty optional field means "not given", so an edit keeps what was there.
      if (OPTION_NAME.test(id) && typeof value === 'string' && value.trim() !== '') fields[id] = value;
    }
    // The form's fixed options (the course being edited) win over anything the client sends.
    const options = { ...fields, ...decoded.invoke.options };
    await this.run(interaction, community, { kind: 'structured', command: decoded.invoke.command, options }, 'reply');
  }

  private async onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const community = communityOf(interaction);
    if (!community) return interaction.respond([]);
    const subcommand = interaction.options.getSubcommand(false);
    const command = this.deps.core.router.commands.get(subcommand ? `${interaction.commandName}.${subcommand}` : interaction.commandName);
    const focused = interaction.options.getFocused(true);
    if (!command?.options[focused.name]?.autocomplete) return interaction.respond([]);
    const suggestions = await this.deps.core.router.autocomplete(
      { community, actor: actorOf(interaction, this.deps.moderatorRoleIds) },
      String(focused.value),
    );
    await interaction.respond(
      suggestions.slice(0, DISCORD.autocompleteChoices).map((s) => ({ name: fit(safeText(s.name), DISCORD.choiceName) || s.value, value: fit(s.value, DISCORD.choiceValue) })),
    );
  }

  private async run(interaction: Answerable, community: CommunityIdentity, input: CommandInput & { kind: 'structured' }, mode: ComponentMode): Promise<void> {
    // Reading the reply's files (an export may stream for a while) counts as the core's time,
    // so a slow one is covered by the deferral too.
    const pending = this.deps.core.router
      .handle({
        community,
        actor: actorOf(interaction, this.deps.moderatorRoleIds),
        input,
        surface: { forms: true, buttons: true },
        rateLimited: true,
      })
      .then(async (result) => {
        const ctx = this.renderContext(interaction, result.locale);
        return { result, ctx, prepared: await prepareFiles(result.reply, ctx.i18n) };
      });
    // If the deferral itself fails, the failure is reported once, from the deferral.
    pending.catch(() => undefined);
    const delivery = new Delivery(interaction, mode === 'update' && interaction.isButton() ? 'update' : 'reply', this.usuallyPublic(input.command));
    await delivery.within(pending, this.deps.deferAfterMs);
    const { result, ctx, prepared } = await pending;
    if ((result as { alreadyWarned?: boolean }).alreadyWarned) return delivery.nothing();
    const form = result.reply.form;
    if (form) return delivery.form(form, ctx);
    await delivery.send({ ...renderReply(prepared.reply, ctx), files: attachments(prepared) });
  }

  /** A deferral shows where the answer will appear; a wrong guess still ends well (see `Delivery.send`). */
  private usuallyPublic(command: string): boolean {
    return this.deps.core.router.commands.get(command)?.answer === 'public';
  }

  private async notInServer(interaction: Answerable): Promise<void> {
    await interaction.reply({ content: this.translator(interaction).t('discord:dmOnly'), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }

  private async stale(interaction: Answerable): Promise<void> {
    await interaction.reply({ content: this.translator(interaction).t('discord:staleComponent'), flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
  }

  private async unexpected(interaction: Interaction, error: unknown): Promise<void> {
    const errorId = newErrorId();
    this.deps.logger.error(
      { err: loggableError(error), errorId, interaction: { id: interaction.id, type: interaction.type, guild: interaction.guildId } },
      'discord interaction failed unexpectedly',
    );
    try {
      if (interaction.isAutocomplete()) {
        if (!interaction.responded) await interaction.respond([]);
        return;
      }
      if (!interaction.isRepliable()) return;
      const message = { content: this.translator(interaction).t('errors:unexpected', { id: errorId }), allowedMentions: NO_MENTIONS };
      if (interaction.replied || interaction.deferred) await interaction.followUp({ ...message, flags: MessageFlags.Ephemeral });
      else await interaction.reply({ ...message, flags: MessageFlags.Ephemeral });
    } catch (followUpError) {
      this.deps.logger.warn({ err: loggableError(followUpError), errorId }, 'could not tell the member about the failure');
    }
  }
}

/** Options as Discord sends them: name to string, number or boolean (channels as their id). */
function optionValues(options: readonly CommandInteractionOption[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const option of options) {
    if (option.type === ApplicationCommandOptionType.Subcommand || option.type === ApplicationCommandOptionType.SubcommandGroup) continue;
    if (option.value !== undefined && option.value !== null) values[option.name] = option.value;
  }
  return values;
}

/**
 * One interaction's responses: an answer within Discord's 3 s (a deferral if the core is slow),
 * then the rendered reply, an edit or a follow-up as the state of the interaction allows.
 */
class Delivery {
  private deferred = false;

  constructor(
    private readonly interaction: Answerable,
    /** `update` edits the message the button is on (page turns), for public answers. */
    private readonly mode: 'reply' | 'update',
    private readonly likelyPublic: boolean,
  ) {}

  async within(pending: Promise<unknown>, deferAfterMs: number): Promise<void> {
    if (deferAfterMs > 0) {
      const settled = pending.then(
        () => true,
        () => true,
      );
      if (await within(settled, deferAfterMs)) return;
    }
    await this.defer();
  }

  private async defer(): Promise<void> {
    const i = this.interaction;
    if (this.mode === 'update' && i.isButton()) await i.deferUpdate();
    else await i.deferReply(this.likelyPublic ? {} : { flags: MessageFlags.Ephemeral });
    this.deferred = true;
  }

  /** The core asked for silence (a member already told to slow down): acknowledge, show nothing. */
  async nothing(): Promise<void> {
    const i = this.interaction;
    if (!this.deferred) {
      // A button can be acknowledged without any message at all.
      if (i.isButton()) return void (await i.deferUpdate());
      await i.deferReply({ flags: MessageFlags.Ephemeral });
    } else if (this.mode === 'update') {
      return;
    }
    await i.deleteReply();
  }

  async form(form: Form, ctx: RenderContext): Promise<void> {
    const i = this.interaction;
    if (!this.deferred && !i.isModalSubmit()) {
      await i.showModal(renderModal(form, ctx));
      return;
    }
    // A modal must be the first answer and cannot answer a modal: offer a button that opens it.
    const prompt = renderReply(makeReply({ visibility: 'ephemeral', title: form.title, body: [ctx.i18n.t('discord:form.prompt')] }), ctx);
    await this.send({ ...prompt, components: [openFormRow(form, ctx)] });
  }

  async send(message: RenderedMessage): Promise<void> {
    const i = this.interaction;
    const body = {
      embeds: message.embeds,
      components: message.components,
      allowedMentions: NO_MENTIONS,
      ...(message.files?.length ? { files: message.files } : {}),
    };
    // Edits replace the whole message: an empty content clears text left from before.
    const edit = { ...body, content: message.content ?? '' };
    const fresh = {
      ...body,
      ...(message.content !== undefined ? { content: message.content } : {}),
      ...(message.ephemeral ? { flags: MessageFlags.Ephemeral as const } : {}),
    };

    if (!this.deferred) {
      if (this.mode === 'update' && i.isButton() && !message.ephemeral) await i.update(edit);
      else await i.reply(fresh);
      return;
    }
    if (this.mode === 'update' && i.isButton()) {
      // A private answer (an error) must not overwrite the shared message.
      if (message.ephemeral) await i.followUp(fresh);
      else await i.editReply(edit);
      return;
    }
    if (Boolean(i.ephemeral) === message.ephemeral) {
      await i.editReply(edit);
      return;
    }
    // The deferral guessed the visibility wrong: answer as a follow-up, then remove the placeholder.
    await i.followUp(fresh);
    await i.deleteReply();
  }
}
