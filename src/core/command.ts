import type { Community, Member, Platform } from '../domain/model.ts';
import type { Reply } from '../domain/reply.ts';
import type { CommandStore } from '../ports/store/index.ts';
import type { EventSink } from '../ports/events.ts';
import type { Clock } from '../ports/clock.ts';
import type { ServiceStatus } from '../ports/services.ts';
import type { Logger } from '../ports/logger.ts';
import type { Analytics } from '../ports/analytics.ts';
import type { AccessKind } from '../ports/rate-limiter.ts';
import type { CohortAccess } from '../ports/cohort-access.ts';
import type { Translator } from './i18n.ts';
import type { OptionMap, OptionValues } from './options.ts';

export type Permission = 'member' | 'moderator';

/**
 * A command's id: its name, or `group.name`. Lowercase letters, digits, `-` and `_`, at most 32
 * characters a part (what Discord and Slack accept as command names). Declarations are checked
 * against it, and adapters check ids coming back from buttons and forms against it.
 */
export const COMMAND_ID = /^[a-z][a-z0-9_-]{0,31}(\.[a-z][a-z0-9_-]{0,31})?$/;
/** An option's name: lowercase letters, digits and `_`, at most 32 characters. */
export const OPTION_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** What the surface the member typed on can show; the core adapts its reply to it. */
export interface Surface {
  /** Modals (Discord, Slack); the console has none. */
  forms: boolean;
  /** Clickable buttons; the console prints them as the commands they stand for. */
  buttons: boolean;
  /**
   * What members type before a command's name here (`sb-` where Slack's `/courses` is
   * `/sb-courses`), so replies name commands as they are typed on this surface.
   */
  commandPrefix?: string;
}

export interface CoreSettings {
  /** Weight m of the Bayesian prior, in ratings. */
  priorWeight: number;
  coursesPerPage: number;
}

export interface CommandContext {
  readonly community: Community;
  readonly member: Member;
  readonly isModerator: boolean;
  /** Role ids the platform sent with the request, if it sends them (see Actor.roles). */
  readonly heldRoles: readonly string[] | undefined;
  /** The platform's roles and channels; null where none is registered (no cohorts there). */
  readonly access: CohortAccess | null;
  readonly platform: Platform;
  readonly surface: Surface;
  readonly i18n: Translator;
  /** Every part of the store but installations: commands never see Slack credentials. */
  readonly store: CommandStore;
  readonly events: EventSink;
  readonly clock: Clock;
  readonly services: ServiceStatus;
  readonly commands: CommandRegistry;
  readonly settings: CoreSettings;
  readonly logger: Logger;
  readonly analytics: Analytics;
}

/**
 * Who usually reads a command's answer: the channel (`public`) or only the member (`personal`).
 * Adapters that must commit before the answer exists go by it (a Discord deferral is public or
 * private); the Reply's own visibility still decides where the answer goes.
 */
export type AnswerAudience = 'public' | 'personal';

/** A command that belongs on a member's home view (Slack's App Home), run with these options. */
export interface HomeView {
  /** Where it stands on the view; lower first (and run first: the first registers the member). */
  order: number;
  options?: Readonly<Record<string, unknown>>;
}

export interface CommandSpec<O extends OptionMap> {
  /** `courses`, or `add` inside the group `course`. */
  name: string;
  group?: string;
  permission: Permission;
  /** Writes get a stricter rate limit than reads. */
  access: AccessKind;
  /** Who usually reads the answer; `personal` when not said. */
  answer?: AnswerAudience;
  /** Shown on home views, where a platform has them. */
  home?: HomeView;
  options: O;
  /**
   * Options a modal asks for, in order, when the command arrives with none on a surface with
   * forms (Discord and Slack allow at most five fields).
   */
  form?: (keyof O & string)[];
  /** Prefills a form (for example /course edit with the course's current values). */
  prefillForm?: (ctx: CommandContext, options: Partial<Record<string, unknown>>) => Promise<Partial<Record<keyof O & string, string>>>;
  run(ctx: CommandContext, options: OptionValues<O>): Promise<Reply>;
}

/** A declared command with its options erased, as the router, adapters and /help see it. */
export interface Command {
  readonly id: string;
  readonly name: string;
  readonly group?: string;
  readonly permission: Permission;
  readonly access: AccessKind;
  readonly answer: AnswerAudience;
  readonly home?: HomeView;
  readonly options: OptionMap;
  readonly form?: readonly string[];
  prefillForm?(ctx: CommandContext, options: Record<string, unknown>): Promise<Record<string, string>>;
  run(ctx: CommandContext, options: Record<string, unknown>): Promise<Reply>;
}

export function defineCommand<O extends OptionMap>(spec: CommandSpec<O>): Command {
  const id = spec.group ? `${spec.group}.${spec.name}` : spec.name;
  return {
    id,
    name: spec.name,
    ...(spec.group ? { group: spec.group } : {}),
    permission: spec.permission,
    access: spec.access,
    answer: spec.answer ?? 'personal',
    ...(spec.home ? { home: spec.home } : {}),
    options: spec.options,
    ...(spec.form ? { form: spec.form } : {}),
    ...(spec.prefillForm
      ? { prefillForm: async (ctx: CommandContext, options: Record<string, unknown>) => (await spec.prefillForm!(ctx, options)) as Record<string, string> }
      : {}),
    run: (ctx, options) => spec.run(ctx, options as OptionValues<O>),
  };
}

/** All commands, looked up by id or by what a member types (`course add`). */
export class CommandRegistry {
  private readonly byId = new Map<string, Command>();

  constructor(commands: readonly Command[]) {
    for (const command of commands) {
      if (this.byId.has(command.id)) throw new Error(`Command ${command.id} is declared twice`);
      if (!COMMAND_ID.test(command.id)) throw new Error(`Command id ${command.id} does not match ${COMMAND_ID}`);
      const badOption = Object.keys(command.options).find((name) => !OPTION_NAME.test(name));
      if (badOption !== undefined) throw new Error(`Option ${badOption} of ${command.id} does not match ${OPTION_NAME}`);
      this.byId.set(command.id, command);
    }
    for (const group of this.groups()) {
      if (this.byId.has(group)) throw new Error(`Command ${group} clashes with the group of the same name`);
    }
  }

  get(id: string): Command | undefined {
    return this.byId.get(id);
  }

  list(): Command[] {
    return [...this.byId.values()];
  }

  /** Top-level names in declaration order: plain commands and groups. */
  topLevelNames(): string[] {
    return [...new Set(this.list().map((c) => c.group ?? c.name))];
  }

  groups(): string[] {
    return [...new Set(this.list().flatMap((c) => (c.group ? [c.group] : [])))];
  }

  subcommands(group: string): Command[] {
    return this.list().filter((c) => c.group === group);
  }

  /** The commands of a home view, in their order. */
  homeViews(): Command[] {
    return this.list()
      .filter((c) => c.home !== undefined)
      .sort((a, b) => a.home!.order - b.home!.order);
  }

  isGroup(name: string): boolean {
    return this.list().some((c) => c.group === name);
  }
}

