import type { Community, CommunityRef, Platform } from '../domain/model.ts';
import { reply, type Reply } from '../domain/reply.ts';
import { errorMessageKey, StorageUnavailableError, UserError, UserErrorCode } from '../domain/errors.ts';
import { LIMITS, clip } from '../domain/limits.ts';
import type { Store } from '../ports/store/index.ts';
import type { EventSink } from '../ports/events.ts';
import type { Clock } from '../ports/clock.ts';
import type { ServiceStatus } from '../ports/services.ts';
import type { Logger } from '../ports/logger.ts';
import type { RateLimiter } from '../ports/rate-limiter.ts';
import type { CommandObserver, CommandOutcome } from '../ports/observer.ts';
import { NO_ANALYTICS, type Analytics } from '../ports/analytics.ts';
import type { CohortAccessRegistry } from './cohort-access-registry.ts';
import type { Command, CommandContext, CommandRegistry, CoreSettings, Surface } from './command.ts';
import { resolveLocale, type MessageCatalog, type Translator } from './i18n.ts';
import { parseGivenOptions, parseOptions } from './options.ts';
import { normalizeInput, parseCommandLine, parseCommandText } from './text-parser.ts';
import { buildForm } from './forms.ts';
import { commandLabel, usageOf } from './usage.ts';
import { suggestCourses, type Suggestion } from './autocomplete.ts';
import { newErrorId } from './error-id.ts';

export interface Actor {
  /** The member's id on the platform (Discord user id, Slack user id, console name). */
  externalId: string;
  displayName: string;
  /** Whether the platform says this member moderates (Manage Server, workspace admin, role). */
  isModerator: boolean;
  /** The member's own language as the platform reports it, if it does. */
  locale?: string | undefined;
  /**
   * Role ids the platform sent with this request (Discord interactions carry the member's
   * roles); undefined where it does not, and the core asks the platform's CohortAccess instead.
   */
  roles?: readonly string[] | undefined;
}

export interface CommunityIdentity extends CommunityRef {
  name: string;
  /** The community's language as the platform reports it (Discord `guild_locale`). */
  locale?: string | undefined;
}

export type CommandInput =
  /** A whole line as typed on the console: `/rate 1 4`. */
  | { kind: 'line'; line: string }
  /** A command name with its text apart, as Slack sends slash commands. */
  | { kind: 'text'; command: string; text: string }
  /** Typed options: Discord slash commands, buttons, form submissions. */
  | { kind: 'structured'; command: string; options: Record<string, unknown> };

export interface CommandRequest {
  community: CommunityIdentity;
  actor: Actor;
  input: CommandInput;
  surface: Surface;
  /** The console, the operator's own terminal, is not rate limited. */
  rateLimited: boolean;
}

export type Outcome = CommandOutcome;

export interface CommandResult {
  reply: Reply;
  outcome: Outcome;
  /** The command's id when the input named one. */
  command?: string;
  locale: string;
  /** For a user error: the option it is about (forms show it beside the field). */
  option?: string;
  /**
   * Rate-limited only: the member was already told to slow down in this window. Adapters that
   * can answer with nothing (an empty Slack ack, a deferred Discord reply) should, so a spammed
   * burst gets one "slow down" message rather than one per command.
   */
  alreadyWarned?: boolean;
}

export interface RouterDeps {
  store: Store;
  commands: CommandRegistry;
  catalog: MessageCatalog;
  events: EventSink;
  clock: Clock;
  services: ServiceStatus;
  rateLimiter: RateLimiter;
  logger: Logger;
  settings: CoreSettings;
  /** Told about every handled request (metrics); optional. */
  observer?: CommandObserver;
  /** Charts and dashboard links for /stats and /dashboard. */
  analytics?: Analytics;
  /** Roles and channels per platform; a platform with none registered has no cohorts. */
  access?: CohortAccessRegistry;
}

/**
 * The platform-neutral entry point: every adapter turns its events into a CommandRequest and
 * renders the Reply it gets back. Validation, permissions and rate limits live here, so they
 * hold on every platform and on every button click, never trusting the client.
 */
export class CommandRouter {
  constructor(private readonly deps: RouterDeps) {}

  get commands(): CommandRegistry {
    return this.deps.commands;
  }

  async handle(request: CommandRequest): Promise<CommandResult> {
    const started = performance.now();
    const result = await this.route(request);
    this.observe(request, result, (performance.now() - started) / 1000);
    return result;
  }

  private observe(request: CommandRequest, result: CommandResult, seconds: number): void {
    if (!this.deps.observer) return;
    try {
      this.deps.observer.onCommand({ command: result.command ?? 'unknown', platform: request.community.platform, outcome: result.outcome, seconds });
    } catch (error) {
      // Metrics must never cost a member their answer.
      this.deps.logger.warn({ err: error }, 'command observer failed');
    }
  }

  private async route(request: CommandRequest): Promise<CommandResult> {
    let i18n = this.deps.catalog.translator(resolveLocale(request.actor.locale, request.community.locale), request.surface.commandPrefix);
    let commandId: string | undefined;
    try {
      const existing = await this.deps.store.findCommunity(request.community);
      i18n = this.translatorFor(request, existing);
      const parsed = this.parse(request.input);
      commandId = parsed.command?.id;

      if (request.rateLimited) {
        const key = `${request.community.platform}:${request.community.externalId}:${request.actor.externalId}`;
        const decision = await this.deps.rateLimiter.consume(key, parsed.command?.access ?? 'read');
        if (!decision.allowed) {
          const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
          const refused = this.result(errorReply(i18n, i18n.t('errors:rateLimited', { seconds })), 'rate-limited', i18n, commandId);
          return decision.firstRefusal === false ? { ...refused, alreadyWarned: true } : refused;
        }
      }
      // Whatever happens next, the member has now used the bot here and counts in N: a refusal
      // below writes nothing else, and there is no undo to race with a concurrent first command.
      const queued = { any: false };
      const ctx = await this.context(request, existing, i18n, queued);
      if (parsed.error) throw parsed.error;
      const command = parsed.command!;
      if (command.permission === 'moderator' && !request.actor.isModerator) {
        throw new UserError(UserErrorCode.ModeratorOnly, { command: commandLabel(command, request.surface.commandPrefix) });
      }

      // A form opens only when nothing but the fixed options (the course being edited) was given.
      const wantsForm =
        command.form !== undefined &&
        request.surface.forms &&
        Object.entries(command.options).every(([name, spec]) => parsed.options[name] === undefined || (spec.required && !command.form!.includes(name)));
      const values = wantsForm ? undefined : parseOptions(command.options, parsed.options);
      if (wantsForm) parseGivenOptions(command.options, parsed.options);

      if (!values) {
        return this.result(await buildForm(ctx, command, parsed.options), 'form', i18n, commandId);
      }
      const out = await command.run(ctx, values);
      // What the command scheduled is still on its way to the job queue: say so rather than
      // imply it is already in place (the process drains it before it exits).
      if (queued.any) out.body = [...out.body, i18n.t('common:scheduledInBackground')];
      return this.result(out, 'ok', i18n, commandId);
    } catch (error) {
      return this.failure(error, i18n, commandId, request);
    }
  }

  /** Completions for a course option as the member types; never crosses communities. */
  async autocomplete(request: Omit<CommandRequest, 'input' | 'rateLimited' | 'surface'>, partial: string): Promise<Suggestion[]> {
    try {
      const community = await this.deps.store.findCommunity(request.community);
      if (!community) return [];
      const locale = resolveLocale(request.actor.locale, request.community.locale, community.settings.locale);
      return await suggestCourses(this.deps.store, community.id, normalizeInput(partial), 25, locale);
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'autocomplete failed');
      return [];
    }
  }

  private parse(input: CommandInput): { command?: Command; options: Record<string, unknown>; error?: unknown } {
    try {
      switch (input.kind) {
        case 'line':
          return parseCommandLine(this.deps.commands, input.line);
        case 'text':
          return parseCommandText(this.deps.commands, input.command, input.text);
        case 'structured': {
          const command = this.deps.commands.get(input.command);
          if (!command) throw new UserError(UserErrorCode.UnknownCommand, { command: input.command });
          // No prototype: an option named `__proto__` stays an ordinary (unknown) key.
          const options: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
          for (const [name, value] of Object.entries(input.options)) {
            options[name] = typeof value === 'string' ? normalizeInput(value) : value;
          }
          return { command, options };
        }
      }
    } catch (error) {
      return { options: {}, error };
    }
  }

  private translatorFor(request: CommandRequest, community: Community | null): Translator {
    return this.deps.catalog.translator(resolveLocale(request.actor.locale, request.community.locale, community?.settings.locale), request.surface.commandPrefix);
  }

  private async context(request: CommandRequest, existing: Community | null, i18n: Translator, queued: { any: boolean }): Promise<CommandContext> {
    const { store } = this.deps;
    const name = clip(request.community.name, LIMITS.displayNameLength);
    let community = existing && existing.name === name ? existing : await store.upsertCommunity(request.community, name);
    // A command from a community in its grace period: the bot is back (reinstalled), keep it all.
    if (community.removedAt) {
      await store.markCommunityRemoved(request.community, null);
      const { removedAt: _ended, ...rest } = community;
      community = rest;
    }
    const displayName = clip(request.actor.displayName, LIMITS.displayNameLength);
    const known = existing ? await store.findMember(community.id, request.actor.externalId) : null;
    const member = known && known.displayName === displayName ? known : await store.upsertMember(community.id, request.actor.externalId, displayName);
    return {
      community,
      member,
      isModerator: request.actor.isModerator,
      heldRoles: request.actor.roles,
      access: this.deps.access?.has(request.community.platform) ? this.deps.access : null,
      platform: request.community.platform as Platform,
      surface: request.surface,
      i18n,
      store,
      events: {
        publish: async (event) => {
          const outcome = await this.deps.events.publish(event);
          if (outcome === 'queued') queued.any = true;
          return outcome;
        },
      },
      clock: this.deps.clock,
      services: this.deps.services,
      commands: this.deps.commands,
      settings: this.deps.settings,
      logger: this.deps.logger,
      analytics: this.deps.analytics ?? NO_ANALYTICS,
    };
  }

  private failure(error: unknown, i18n: Translator, commandId: string | undefined, request: CommandRequest): CommandResult {
    if (error instanceof UserError) {
      const out = errorReply(i18n, i18n.t(errorMessageKey(error.code), error.vars));
      const command = commandId ? this.deps.commands.get(commandId) : undefined;
      if (command && isArgumentError(error.code)) out.footer = i18n.t('common:usage', { usage: usageOf(command, request.surface.commandPrefix) });
      if (error.code === UserErrorCode.UnknownCommand) out.footer = i18n.t('common:seeHelp');
      return { ...this.result(out, 'user-error', i18n, commandId), ...(error.option ? { option: error.option } : {}) };
    }
    if (error instanceof StorageUnavailableError) {
      this.deps.logger.warn({ err: error.cause ?? error, command: commandId }, 'storage unavailable');
      return this.result(errorReply(i18n, i18n.t('errors:storageUnavailable')), 'unavailable', i18n, commandId);
    }
    const errorId = newErrorId();
    this.deps.logger.error(
      { err: error, errorId, command: commandId, platform: request.community.platform, community: request.community.externalId },
      'command failed unexpectedly',
    );
    return this.result(errorReply(i18n, i18n.t('errors:unexpected', { id: errorId })), 'error', i18n, commandId);
  }

  private result(out: Reply, outcome: Outcome, i18n: Translator, command: string | undefined): CommandResult {
    return { reply: out, outcome, locale: i18n.locale, ...(command ? { command } : {}) };
  }
}

const ARGUMENT_ERRORS = new Set<string>([
  UserErrorCode.MissingOption,
  UserErrorCode.TooManyArguments,
  UserErrorCode.UnknownOption,
  UserErrorCode.DuplicateOption,
  UserErrorCode.InvalidOption,
  UserErrorCode.NotAWholeNumber,
  UserErrorCode.NotANumber,
  UserErrorCode.NumberTooLarge,
  UserErrorCode.NumberTooSmall,
  UserErrorCode.InvalidChoice,
]);

function isArgumentError(code: string): boolean {
  return ARGUMENT_ERRORS.has(code);
}

function errorReply(i18n: Translator, message: string): Reply {
  return reply({ visibility: 'ephemeral', tone: 'error', body: [message] });
}
