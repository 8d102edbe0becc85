import { ErrorCode, type App, type Context, type RespondArguments, type RespondFn, type ViewStateValue, type webApi } from '@slack/bolt';
import type { CommandRequest, CommandResult, Core, Surface, Translator } from '../../src/core/facade.ts';
import { resolveLocale } from '../../src/core/i18n.ts';
import { usageOf } from '../../src/core/usage.ts';
import { reply as makeReply, type Form, type Reply } from '../../src/domain/reply.ts';
import type { Logger } from '../../src/ports/logger.ts';
import { requestFingerprint, type RecentRequests } from './dedupe.ts';
import { within, type InFlight } from '../shared/timing.ts';
import { ACTION_PREFIX, decodeFormMetadata, decodeInvocation, encodeFormMetadata, PAGE_ACTION } from './invocation.ts';
import { BLOCK_KIT } from './limits.ts';
import type { SlackMemberDirectory } from './members.ts';
import type { SlackPoster } from './messenger.ts';
import { FORM_CALLBACK_ID, INPUT_ACTION_ID, renderForm, renderHome, renderReply, renderTexts } from './render.ts';
import type { SlashCommand } from './slash-commands.ts';
import { decodeCommandText, fitEscaped } from './text.ts';
import { slackErrorCode, type WorkspaceTokens } from './workspaces.ts';

export interface SlackHandlerDeps {
  core: Pick<Core, 'router' | 'catalog'>;
  api: webApi.WebClient;
  tokens: WorkspaceTokens;
  members: SlackMemberDirectory;
  poster: SlackPoster;
  recent: RecentRequests;
  /**
   * The same fingerprints shared with the other bot processes (Redis), so a retry Slack sends
   * to another process behind the load balancer is also answered once. Absent: this process only.
   */
  sharedRecent?: (fingerprint: string) => Promise<boolean>;
  inFlight: InFlight;
  commands: SlashCommand[];
  /** SLACK_COMMAND_PREFIX (`sb` for `/sb-courses`), empty for none. */
  commandPrefix: string;
  moderatorIds: ReadonlySet<string>;
  logger: Logger;
}


/**
 * A view submission must be answered within Slack's 3 s with its field errors; past this we
 * close the modal and post the outcome instead.
 */
const FORM_ACK_BUDGET_MS = 2500;

/** Who sent a request, with the token of their workspace. */
interface Requester {
  teamId: string;
  teamName: string;
  userId: string;
  userName: string;
  token: string;
}

/** Where an answer goes. */
interface Target {
  who: Requester;
  /** Absent for Home tab clicks, which have no response_url: those answers go by DM. */
  respond?: RespondFn | undefined;
  triggerId?: string | undefined;
  channelId?: string | undefined;
  /** Replace the message the click came from (turning a page of an ephemeral list). */
  replace?: boolean;
  /** Clicks answer only the clicker, whatever the reply's visibility. */
  ephemeralOnly?: boolean;
}

export function registerHandlers(app: App, deps: SlackHandlerDeps): void {
  const { core, api, members, poster, recent, inFlight, logger } = deps;
  const { router, catalog } = core;
  const slashByName = new Map(deps.commands.map((c) => [c.name, c.slash]));
  const helpSlash = slashByName.get('help') ?? '/help';

  // Replies name commands as this workspace types them (`/sb-courses` with the prefix `sb`).
  const commandPrefix = deps.commandPrefix ? `${deps.commandPrefix}-` : '';
  const translator = (locale: string | undefined): Translator => catalog.translator(resolveLocale(locale), commandPrefix);
  /** Slash commands and clicks can open modals; a modal's submission cannot open another. */
  const INTERACTIVE: Surface = { forms: true, buttons: true, commandPrefix };
  const IN_FORM: Surface = { forms: false, buttons: true, commandPrefix };

  /** The core's view of the requester: the workspace is the community; users.info says the rest. */
  async function identify(who: Requester): Promise<Pick<CommandRequest, 'community' | 'actor'>> {
    const info = await members.lookup(who.token, who.teamId, who.userId, who.userName);
    return {
      community: { platform: 'slack', externalId: who.teamId, name: who.teamName },
      actor: {
        externalId: who.userId,
        displayName: info.displayName,
        isModerator: info.workspaceAdmin || deps.moderatorIds.has(who.userId),
        locale: info.locale,
      },
    };
  }

  /** `/course add …` as typed in this workspace (with the command prefix). */
  function slackUsage(commandId: string): string {
    const command = router.commands.get(commandId);
    if (!command) return commandId;
    return usageOf(command, commandPrefix);
  }

  async function send(reply: Reply, locale: string, target: Target): Promise<void> {
    const i18n = translator(locale);
    // Files go to the member's own DM, whatever the visibility of the answer: an export is theirs.
    const out = await poster.withFiles(target.who.token, reply, i18n, () => poster.directChannel(target.who.token, target.who.userId), true);
    const message = renderReply(out, renderTexts(i18n));
    if (target.respond) {
      const visible = out.visibility === 'public' && !target.ephemeralOnly ? 'in_channel' : 'ephemeral';
      const args: RespondArguments = target.replace
        ? { replace_original: true, text: message.text, blocks: message.blocks }
        : { response_type: visible, replace_original: false, text: message.text, blocks: message.blocks };
      await target.respond(args);
      return;
    }
    await poster.directMessage(target.who.token, target.who.userId, message);
  }

  async function answer(result: CommandResult, target: Target): Promise<void> {
    // The member was already told to slow down in this window: say nothing more.
    if (result.alreadyWarned) return;
    if (result.reply.form) return openForm(result.reply.form, result.locale, target);
    await send(result.reply, result.locale, target);
  }

  async function openForm(form: Form, locale: string, target: Target): Promise<void> {
    const i18n = translator(locale);
    const options = Object.fromEntries(Object.entries(form.submit.options).map(([k, v]) => [k, String(v)]));
    const metadata = encodeFormMetadata({ command: form.submit.command, options, channelId: target.channelId });
    if (target.triggerId && metadata) {
      try {
        await api.views.open({ token: target.who.token, trigger_id: target.triggerId, view: renderForm(form, metadata, i18n.t('slack:form.cancel')) });
        return;
      } catch (error) {
        // Trigger ids expire after 3 s; a slow start or a Slack hiccup ends here.
        logger.warn({ command: form.submit.command, error: slackErrorCode(error) }, 'views.open failed');
      }
    }
    const fallback = makeReply({ visibility: 'ephemeral', tone: 'warning', body: [i18n.t('slack:form.failed', { usage: slackUsage(form.submit.command) })] });
    await send(fallback, locale, { ...target, replace: false });
  }

  function requester(context: Context, teamId: string | undefined, userId: string, userName: string | undefined): Requester | undefined {
    const token = context.botToken;
    const team = teamId ?? context.teamId ?? context.enterpriseId;
    if (!token || !team) return undefined;
    const teamName: unknown = context['teamName'];
    return { teamId: team, teamName: typeof teamName === 'string' ? teamName : team, userId, userName: userName ?? '', token };
  }

  /** Runs a request's work after its ack, tracked for stop(); failures are logged, never thrown at Bolt. */
  function work(what: string, job: () => Promise<void>): Promise<void> {
    return inFlight.run(async () => {
      try {
        await job();
      } catch (error) {
        logger.error({ err: error, request: what }, 'Slack request failed');
      }
    });
  }

  async function duplicate(kind: string, teamId: string | undefined, unique: string | undefined, payload: unknown): Promise<boolean> {
    const fingerprint = requestFingerprint(kind, teamId, unique, payload);
    if (recent.claim(fingerprint) && (!deps.sharedRecent || (await deps.sharedRecent(fingerprint)))) return false;
    logger.info({ kind, team: teamId }, 'repeated Slack request ignored');
    return true;
  }

  // Slash commands: ack at once (Slack waits 3 s), then run and answer through response_url.
  // One listener for every command, so a command Slack knows but this process does not (the
  // manifest and SLACK_COMMAND_PREFIX disagree) still gets an answer rather than a timeout.
  const coreNameBySlash = new Map(deps.commands.map((c) => [c.slash, c.name]));
  app.command(/^\/.+/, ({ command, ack, respond, context }) =>
    work('command', async () => {
      await ack();
      if (await duplicate('command', command.team_id, command.trigger_id, command)) return;
      const who = requester(context, command.team_id, command.user_id, command.user_name);
      if (!who) return;
      const identity = await identify(who);
      const target: Target = { who, respond, triggerId: command.trigger_id, channelId: command.channel_id };
      const name = coreNameBySlash.get(command.command);
      if (!name) {
        const i18n = translator(identity.actor.locale);
        const unknown = makeReply({ visibility: 'ephemeral', tone: 'error', body: [i18n.t('errors:unknownCommand', { command: command.command })], footer: i18n.t('common:seeHelp') });
        await send(unknown, i18n.locale, target);
        return;
      }
      const result = await router.handle({
        ...identity,
        input: { kind: 'text', command: name, text: decodeCommandText(command.text ?? '') },
        surface: INTERACTIVE,
        rateLimited: true,
      });
      logger.debug({ command: result.command ?? name, outcome: result.outcome }, 'Slack command answered');
      await answer(result, target);
    }),
  );

  // Buttons: the invocation rides in the value; the core checks it like a typed command.
  app.action(new RegExp(`^${ACTION_PREFIX}`), ({ ack, body, action, respond, context }) =>
    work('block_actions', async () => {
      await ack();
      if (body.type !== 'block_actions' || action.type !== 'button' || !('action_id' in action)) return;
      const teamId = body.team?.id ?? body.user.team_id;
      if (await duplicate('action', teamId, body.trigger_id, body)) return;
      const who = requester(context, teamId, body.user.id, body.user.username ?? body.user.name);
      if (!who) return;
      const identity = await identify(who);
      const container: Record<string, unknown> = body.container ?? {};
      const target: Target = {
        who,
        respond: body.response_url ? respond : undefined,
        triggerId: body.trigger_id,
        channelId: body.channel?.id ?? (typeof container.channel_id === 'string' ? container.channel_id : undefined),
        ephemeralOnly: true,
      };
      const invoke = decodeInvocation(action.value);
      if (!invoke) {
        const i18n = translator(identity.actor.locale);
        await send(makeReply({ visibility: 'ephemeral', tone: 'warning', body: [i18n.t('slack:staleButton')] }), i18n.locale, target);
        return;
      }
      const result = await router.handle({
        ...identity,
        input: { kind: 'structured', command: invoke.command, options: invoke.options },
        surface: { forms: Boolean(body.trigger_id), buttons: true, commandPrefix },
        rateLimited: true,
      });
      // Turning a page of a list only the clicker sees replaces it; a list posted in the
      // channel stays as it is and the clicker gets their page for themselves.
      const replace = action.action_id.startsWith(PAGE_ACTION) && result.outcome === 'ok' && container.is_ephemeral === true && Boolean(body.response_url);
      await answer(result, { ...target, replace });
    }),
  );

  // Buttons of other apps' messages or older versions: acknowledged, nothing else.
  app.action(new RegExp(`^(?!${ACTION_PREFIX})`), async ({ ack }) => {
    await ack();
  });

  // Modal submissions: validated by the core; errors go beside the field they are about.
  app.view(FORM_CALLBACK_ID, ({ ack, body, view, context }) =>
    work('view_submission', async () => {
      if (body.type !== 'view_submission') return ack();
      const teamId = body.team?.id ?? body.user.team_id;
      if (await duplicate('view', teamId, body.trigger_id, body)) {
        await ack();
        return;
      }
      const who = requester(context, teamId, body.user.id, body.user.name);
      if (!who) {
        await ack();
        return;
      }
      const fields = inputBlockIds(view);
      const metadata = decodeFormMetadata(view.private_metadata);
      const handling = (async () => {
        const identity = await identify(who);
        if (!metadata) return { identity, result: undefined };
        const values = formValues(view.state.values);
        const result = await router.handle({
          ...identity,
          input: { kind: 'structured', command: metadata.command, options: { ...metadata.options, ...values } },
          surface: IN_FORM,
          rateLimited: true,
        });
        return { identity, result };
      })();
      const done = await within(handling, FORM_ACK_BUDGET_MS);
      const confirmTo: Target = { who, channelId: metadata?.channelId };
      if (!done) {
        await ack();
        const late = await handling;
        if (late.result) await confirm(late.result, confirmTo);
        return;
      }
      const { identity, result } = done;
      const firstField = fields[0];
      if (!result) {
        const text = translator(identity.actor.locale).t('slack:staleForm');
        await (firstField ? ack({ response_action: 'errors', errors: { [firstField]: fitEscaped(text, BLOCK_KIT.inputError) } }) : ack());
        return;
      }
      if (result.outcome === 'ok' || !firstField) {
        await ack();
        await confirm(result, confirmTo);
        return;
      }
      const field = result.option && fields.includes(result.option) ? result.option : firstField;
      await ack({ response_action: 'errors', errors: { [field]: fitEscaped(errorText(result.reply), BLOCK_KIT.inputError) } });
    }),
  );

  /** A form's outcome, to its author only: ephemeral in the channel it came from, else by DM. */
  async function confirm(result: CommandResult, target: Target): Promise<void> {
    if (result.alreadyWarned) return;
    const message = renderReply(result.reply, renderTexts(translator(result.locale)));
    const { who, channelId } = target;
    if (channelId) {
      try {
        await poster.postEphemeral(who.token, channelId, who.userId, message);
        return;
      } catch (error) {
        // The bot may not be in that channel (chat.postEphemeral needs it); a DM still reaches them.
        logger.info({ error: slackErrorCode(error) }, 'chat.postEphemeral failed; sending the confirmation by DM');
      }
    }
    await poster.directMessage(who.token, who.userId, message);
  }

  // App Home: the member's courses and the top-rated ones, in the member's language.
  app.event('app_home_opened', ({ event, body, context }) =>
    work('app_home_opened', async () => {
      if (event.tab !== 'home') return;
      if (await duplicate('event', body.team_id, body.event_id, body)) return;
      const who = requester(context, body.team_id, event.user, undefined);
      if (!who) return;
      const identity = await identify(who);
      const base = { ...identity, surface: IN_FORM, rateLimited: true };
      // One after the other: the first registers the member, the second finds them.
      const mine = await router.handle({ ...base, input: { kind: 'structured', command: 'mycourses', options: {} } });
      const top = await router.handle({ ...base, input: { kind: 'structured', command: 'courses', options: { sort: 'top' } } });
      const i18n = translator(mine.locale);
      const view = renderHome({ title: i18n.t('slack:home.title'), intro: i18n.t('slack:home.intro', { help: helpSlash }), replies: [mine.reply, top.reply] }, renderTexts(i18n));
      await api.views.publish({ token: who.token, user_id: event.user, view });
    }),
  );

  // Uninstalls and revoked tokens: stop using what we hold for that workspace (in OAuth mode,
  // delete its stored installation; its community and courses stay). Bolt delivers these
  // without authorizing them. Not deduplicated: forgetting twice is harmless.
  const forgetWorkspace = async (teamId: string | undefined, why: string) => {
    if (!teamId) return;
    members.forgetWorkspace(teamId);
    await deps.tokens.forget(teamId);
    logger.info({ team: teamId, why }, 'Slack workspace tokens forgotten');
  };
  app.event('app_uninstalled', ({ body }) => work('app_uninstalled', () => forgetWorkspace(body.team_id, 'app_uninstalled')));
  app.event('tokens_revoked', ({ event, body }) =>
    work('tokens_revoked', async () => {
      if ((event.tokens.bot ?? []).length > 0) await forgetWorkspace(body.team_id, 'tokens_revoked');
    }),
  );

  app.error(async (error) => {
    // A workspace without an installation (never installed, uninstalled, undecryptable): the
    // request was acknowledged and dropped. Expected now and then, not a failure of ours.
    if (error.code === ErrorCode.AuthorizationError) {
      logger.info({ reason: error.message }, 'Slack request from a workspace without a usable installation ignored');
      return;
    }
    logger.error({ err: error }, 'Slack listener failed');
  });
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
