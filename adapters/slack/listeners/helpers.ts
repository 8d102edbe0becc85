import type { Context, RespondArguments, webApi } from '@slack/bolt';
import type { CommandRequest, CommandResult, Core, Surface, Translator } from '../../../src/core/facade.ts';
import { resolveLocale } from '../../../src/core/i18n.ts';
import { usageOf } from '../../../src/core/usage.ts';
import { reply as makeReply, type Form, type Reply } from '../../../src/domain/reply.ts';
import type { Logger } from '../../../src/ports/logger.ts';
import type { InFlight } from '../../shared/timing.ts';
import { requestFingerprint, type RecentRequests } from '../dedupe.ts';
import { encodeFormMetadata } from '../invocation.ts';
import type { SlackMemberDirectory } from '../members.ts';
import type { SlackPoster } from '../messenger.ts';
import type { Respond, ResponseUrls } from '../response-url.ts';
import { renderForm, renderReply, renderTexts } from '../render.ts';
import type { SlashCommand } from '../slash-commands.ts';
import type { WorkspaceTokens } from '../workspaces.ts';

export interface SlackHandlerDeps {
  core: Pick<Core, 'router' | 'catalog'>;
  /** The app was uninstalled from a workspace: its grace period starts. */
  onWorkspaceRemoved?: (teamId: string) => Promise<void>;
  api: webApi.WebClient;
  tokens: WorkspaceTokens;
  members: SlackMemberDirectory;
  poster: SlackPoster;
  /** Posts answers to response_url (instead of Bolt's axios-based respond()). */
  responseUrls: ResponseUrls;
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

/** Who sent a request, with the token of their workspace. */
export interface Requester {
  teamId: string;
  teamName: string;
  userId: string;
  userName: string;
  token: string;
}

/** Where an answer goes. */
export interface Target {
  who: Requester;
  /** Absent for Home tab clicks, which have no response_url: those answers go by DM. */
  respond?: Respond | undefined;
  triggerId?: string | undefined;
  channelId?: string | undefined;
  /** Replace the message the click came from (turning a page of an ephemeral list). */
  replace?: boolean;
  /** Clicks answer only the clicker, whatever the reply's visibility. */
  ephemeralOnly?: boolean;
}

/**
 * What every listener does the same way: find who asked and in which workspace, skip repeats,
 * run the work after the ack (tracked for stop()), and answer through response_url, a modal,
 * an ephemeral post or a DM.
 */
export class ListenerHelpers {
  readonly router: Core['router'];
  /** `sb-` when members type `/sb-courses`, so replies name commands as this workspace types them. */
  readonly commandPrefix: string;
  /** Slash commands and clicks can open modals… */
  readonly interactive: Surface;
  /** …a modal's submission cannot open another. */
  readonly inForm: Surface;

  constructor(readonly deps: SlackHandlerDeps) {
    this.router = deps.core.router;
    this.commandPrefix = deps.commandPrefix ? `${deps.commandPrefix}-` : '';
    this.interactive = { forms: true, buttons: true, commandPrefix: this.commandPrefix };
    this.inForm = { forms: false, buttons: true, commandPrefix: this.commandPrefix };
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  translator(locale: string | undefined): Translator {
    return this.deps.core.catalog.translator(resolveLocale(locale), this.commandPrefix);
  }

  /** The requester from Bolt's context: the token Bolt authorized the request with, and its workspace. */
  requester(context: Context, teamId: string | undefined, userId: string, userName: string | undefined): Requester | undefined {
    const token = context.botToken;
    const team = teamId ?? context.teamId ?? context.enterpriseId;
    if (!token || !team) return undefined;
    const teamName: unknown = context['teamName'];
    return { teamId: team, teamName: typeof teamName === 'string' ? teamName : team, userId, userName: userName ?? '', token };
  }

  /** The core's view of the requester: the workspace is the community; users.info says the rest. */
  async identify(who: Requester): Promise<Pick<CommandRequest, 'community' | 'actor'>> {
    const info = await this.deps.members.lookup(who.token, who.teamId, who.userId, who.userName);
    return {
      community: { platform: 'slack', externalId: who.teamId, name: who.teamName },
      actor: {
        externalId: who.userId,
        displayName: info.displayName,
        isModerator: info.workspaceAdmin || this.deps.moderatorIds.has(who.userId),
        locale: info.locale,
      },
    };
  }

  /** Answers to this response_url, or undefined without one (Home tab clicks). */
  respondTo(url: string | undefined): Respond | undefined {
    return this.deps.responseUrls.for(url);
  }

  /** Runs a request's work after its ack, tracked for stop(); failures are logged, never thrown at Bolt. */
  work(what: string, job: () => Promise<void>): Promise<void> {
    return this.deps.inFlight.run(async () => {
      try {
        await job();
      } catch (error) {
        this.logger.error({ err: error, request: what }, 'Slack request failed');
      }
    });
  }

  /** Whether this request was seen before, here or (with shared claims) by another bot process. */
  async duplicate(kind: string, teamId: string | undefined, unique: string | undefined, payload: unknown): Promise<boolean> {
    const fingerprint = requestFingerprint(kind, teamId, unique, payload);
    if (this.deps.recent.claim(fingerprint) && (!this.deps.sharedRecent || (await this.deps.sharedRecent(fingerprint)))) return false;
    this.logger.info({ kind, team: teamId }, 'repeated Slack request ignored');
    return true;
  }

  async send(reply: Reply, locale: string, target: Target): Promise<void> {
    const { poster } = this.deps;
    const i18n = this.translator(locale);
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

  async answer(result: CommandResult, target: Target): Promise<void> {
    // The member was already told to slow down in this window: say nothing more.
    if (result.alreadyWarned) return;
    if (result.reply.form) return this.openForm(result.reply.form, result.locale, target);
    await this.send(result.reply, result.locale, target);
  }

  /** A form's outcome, to its author only: ephemeral in the channel it came from, else by DM. */
  async confirm(result: CommandResult, target: Target): Promise<void> {
    if (result.alreadyWarned) return;
    const { poster } = this.deps;
    const message = renderReply(result.reply, renderTexts(this.translator(result.locale)));
    const { who, channelId } = target;
    if (channelId) {
      try {
        await poster.postEphemeral(who.token, channelId, who.userId, message);
        return;
      } catch (error) {
        // The bot may not be in that channel (chat.postEphemeral needs it); a DM still reaches them.
        this.logger.info({ err: error }, 'chat.postEphemeral failed; sending the confirmation by DM');
      }
    }
    await poster.directMessage(who.token, who.userId, message);
  }

  /** A short ephemeral notice (an unknown command, a stale button) in the member's language. */
  async notice(target: Target, locale: string | undefined, build: (i18n: Translator) => Partial<Pick<Reply, 'tone' | 'body' | 'footer'>>): Promise<void> {
    const i18n = this.translator(locale);
    await this.send(makeReply({ visibility: 'ephemeral', ...build(i18n) }), i18n.locale, target);
  }

  private async openForm(form: Form, locale: string, target: Target): Promise<void> {
    const i18n = this.translator(locale);
    const options = Object.fromEntries(Object.entries(form.submit.options).map(([k, v]) => [k, String(v)]));
    const metadata = encodeFormMetadata({ command: form.submit.command, options, channelId: target.channelId });
    if (target.triggerId && metadata) {
      try {
        await this.deps.api.views.open({ token: target.who.token, trigger_id: target.triggerId, view: renderForm(form, metadata, i18n.t('slack:form.cancel')) });
        return;
      } catch (error) {
        // Trigger ids expire after 3 s; a slow start or a Slack hiccup ends here.
        this.logger.warn({ command: form.submit.command, err: error }, 'views.open failed');
      }
    }
    const fallback = makeReply({ visibility: 'ephemeral', tone: 'warning', body: [i18n.t('slack:form.failed', { usage: this.usage(form.submit.command) })] });
    await this.send(fallback, locale, { ...target, replace: false });
  }

  /** `/course add …` as typed in this workspace (with the command prefix). */
  private usage(commandId: string): string {
    const command = this.router.commands.get(commandId);
    return command ? usageOf(command, this.commandPrefix) : commandId;
  }
}
