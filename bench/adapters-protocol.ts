import type { FakeUser } from '../test/fakes/slack/web-api.ts';
import type { ThreadCpu } from './lib/thread-cpu.ts';

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
  /** How long to wait for late answers after a block's last request went out. */
  drainMs: number;
  discord: { guild: { id: string; name: string; locale: string }; calls: DiscordCall[] };
  slack: { team: { id: string; name: string; domain: string }; botToken: string; signingSecret: string; users: FakeUser[]; calls: SlackCall[] };
}

/** One block of a series, requests [from, to): in ms, NaN where an answer never came. */
export interface BlockTimes {
  /** From the request leaving the driver to its acknowledgement (Slack's HTTP 200, Discord's first callback). */
  ackMs: Float64Array;
  /** From the request leaving the driver to the reply reaching the fake platform. */
  replyMs: Float64Array;
  /** How late each request left against the timetable. */
  lagMs: Float64Array;
  /** From the block's first request leaving to its last reply arriving. */
  windowMs: number;
  /** Discord: interactions first deferred (answered with "thinking…" and edited later). */
  deferred: number;
  /** The generator thread (fake platform and members) over the block, late answers included; undefined off Linux. */
  generatorCpu: ThreadCpu | undefined;
  /** Answers the fake platform refused or found malformed, with a few examples. */
  failures: number;
  failureSamples: string[];
}

export interface Block {
  series: SeriesId;
  from: number;
  to: number;
}

export type DriverCommand =
  | { op: 'discord.start' }
  | { op: 'discord.stop' }
  | { op: 'slack.start' }
  /** The Slack app is listening: where to send signed requests. */
  | { op: 'slack.connect'; appPort: number }
  | { op: 'slack.stop' }
  | ({ op: 'block' } & Block);

export interface DiscordEndpoint {
  apiUrl: string;
  token: string;
}

export interface SlackEndpoint {
  apiUrl: string;
}

/** Bot thread to driver. */
export type ToDriver = { kind: 'call'; id: number; command: DriverCommand } | { kind: 'routed'; series: RouterSeries; i: number };

export type RouterSeries = 'router-discord' | 'router-slack';

/** Driver to bot thread. */
export type FromDriver =
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: string }
  /** Router series: the bot thread should run request i through CommandRouter.handle. */
  | { kind: 'route'; series: RouterSeries; i: number }
  | { kind: 'progress'; sent: number }
  /** A block's first request has gone out / its last: the bot thread measures its own load between. */
  | { kind: 'phase'; phase: 'sending' | 'sent' };
