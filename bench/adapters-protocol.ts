import type { FakeUser } from '../test/fakes/slack/web-api.ts';

/**
 * What the bot's thread and the load-generator thread (bench/adapters-driver.ts) say to each
 * other. The driver plays Discord, Slack and their members; the bot thread runs the adapters
 * and the core, as its own process would in production.
 */
export type SeriesId = 'router-discord' | 'discord' | 'router-slack' | 'slack';

export type OptionValue = string | number | boolean;

/** One slash command a Discord member sends (options as Discord types them). */
export interface DiscordCall {
  member: { id: string; username: string; globalName: string; locale?: string | undefined };
  command: string;
  options: Record<string, OptionValue>;
}

/** One slash command a Slack member sends (the text as typed after the command). */
export interface SlackCall {
  userId: string;
  userName: string;
  command: string;
  text: string;
}

export interface DriverSetup {
  ratePerS: number;
  /** Requests sent first at the same rate and not timed: JIT, caches, connections. */
  warmup: number;
  measured: number;
  /** How long to wait for late answers after the last request went out. */
  drainMs: number;
  discord: { guild: { id: string; name: string; locale: string }; calls: DiscordCall[] };
  slack: { team: { id: string; name: string; domain: string }; botToken: string; signingSecret: string; users: FakeUser[]; calls: SlackCall[] };
}

/** The measured requests of one series, in ms; NaN where an answer never came. */
export interface SeriesTimes {
  /** From the request leaving the driver to its acknowledgement (Slack's HTTP 200, Discord's first callback). */
  ackMs: Float64Array;
  /** From the request leaving the driver to the reply reaching the fake platform. */
  replyMs: Float64Array;
  /** How late each request left against the timetable. */
  lagMs: Float64Array;
  /** From the first measured request leaving to the last measured reply arriving. */
  windowMs: number;
  /** Discord: interactions first deferred (answered with "thinking…" and edited later). */
  deferred: number;
  /** Answers the fake platform refused or found malformed, with a few examples. */
  failures: number;
  failureSamples: string[];
  /** Warm-up requests never answered (a sign the bot was not ready). */
  warmupUnanswered: number;
}

export type DriverCommand =
  | { op: 'discord.start' }
  | { op: 'discord.run' }
  | { op: 'discord.stop' }
  | { op: 'slack.start' }
  | { op: 'slack.run'; appPort: number }
  | { op: 'slack.stop' }
  | { op: 'router.run'; series: 'router-discord' | 'router-slack' };

export interface DiscordEndpoint {
  apiUrl: string;
  token: string;
}

export interface SlackEndpoint {
  apiUrl: string;
}

/** Bot thread to driver. */
export type ToDriver = { kind: 'call'; id: number; command: DriverCommand } | { kind: 'routed'; i: number };

/** Driver to bot thread. */
export type FromDriver =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: string }
  /** Router series: the bot thread should run request i through CommandRouter.handle. */
  | { kind: 'route'; series: 'router-discord' | 'router-slack'; i: number }
  | { kind: 'progress'; done: number; total: number }
  /** The measured requests start or have all been sent: the bot thread times its own load between. */
  | { kind: 'phase'; phase: 'measuring' | 'sent' };
