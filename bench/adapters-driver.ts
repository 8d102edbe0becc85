/**
 * The load generator of the adapters benchmark, in a worker thread of its own: it plays the
 * fake Discord (gateway + REST), the fake Slack (Web API + response_url) and their members,
 * sends slash commands on an open-loop timetable and notes when each answer arrives. Kept off
 * the bot's thread because in production the platform's work happens on other machines: its
 * JSON, HMACs and sockets must not queue in front of the bot's own work. Every time here is
 * this thread's performance.now(), so no clocks are compared across threads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CALLBACK, FakeDiscord, type FakeGuild, type RecordedRequest } from '../test/fakes/discord/fake-discord.ts';
import { slashCommand } from '../test/fakes/discord/interactions.ts';
import { SignedSlackClient } from '../test/fakes/slack/signed-requests.ts';
import { FakeSlackWebApi } from '../test/fakes/slack/web-api.ts';
import type { DiscordEndpoint, DriverCommand, DriverSetup, FromDriver, SeriesTimes, SlackEndpoint, ToDriver } from './adapters-protocol.ts';
import { ResponseTimer } from './adapters-response-timer.ts';
import { openLoop, type OpenLoopTimes } from './lib/open-loop.ts';

const port = parentPort;
if (!port) throw new Error('bench/adapters-driver.ts runs as a worker thread (see bench/adapters.ts)');
const setup = workerData as DriverSetup;
const total = setup.warmup + setup.measured;
const post = (message: FromDriver) => port.postMessage(message);

/** When each request was acknowledged and answered, as the fake platforms saw it. */
class Marks {
  readonly ack = new Float64Array(total).fill(Number.NaN);
  readonly reply = new Float64Array(total).fill(Number.NaN);
  readonly deferred = new Uint8Array(total);
  failures = 0;
  readonly failureSamples: string[] = [];
  private unanswered = total;
  private settle: (() => void) | undefined;

  markAck(i: number, at: number): void {
    if (Number.isNaN(this.ack[i]!)) this.ack[i] = at;
  }

  markReply(i: number, at: number): void {
    if (!Number.isNaN(this.reply[i]!)) return;
    this.reply[i] = at;
    if (--this.unanswered === 0) this.settle?.();
  }

  fail(i: number, why: string): void {
    this.failures++;
    if (this.failureSamples.length < 5) this.failureSamples.push(`request ${i}: ${why}`);
  }

  /** Resolves when every request has its answer, or after `timeoutMs` with some missing. */
  settled(timeoutMs: number): Promise<void> {
    if (this.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.settle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** Warm-up then measured requests on one timetable, so the measured ones meet a steady state. */
async function runSeries(marks: Marks, send: (i: number) => void): Promise<SeriesTimes> {
  const times = await openLoop({
    count: total,
    ratePerS: setup.ratePerS,
    send,
    sent: (i) => {
      if (i === setup.warmup) post({ kind: 'phase', phase: 'measuring' });
      if ((i + 1) % 100 === 0 || i + 1 === total) post({ kind: 'progress', done: i + 1, total });
    },
  });
  post({ kind: 'phase', phase: 'sent' });
  await marks.settled(setup.drainMs);
  return summarize(marks, times);
}

function summarize(marks: Marks, times: OpenLoopTimes): SeriesTimes {
  const { warmup, measured } = setup;
  const ackMs = new Float64Array(measured);
  const replyMs = new Float64Array(measured);
  let lastReply = Number.NaN;
  let deferred = 0;
  for (let j = 0; j < measured; j++) {
    const i = warmup + j;
    const sent = times.sentAt[i]!;
    ackMs[j] = marks.ack[i]! - sent;
    replyMs[j] = marks.reply[i]! - sent;
    const answered = marks.reply[i]!;
    if (!Number.isNaN(answered) && (Number.isNaN(lastReply) || answered > lastReply)) lastReply = answered;
    deferred += marks.deferred[i]!;
  }
  let warmupUnanswered = 0;
  for (let i = 0; i < warmup; i++) if (Number.isNaN(marks.reply[i]!)) warmupUnanswered++;
  return {
    ackMs,
    replyMs,
    lagMs: times.lagMs.slice(warmup),
    windowMs: lastReply - times.sentAt[warmup]!,
    deferred,
    failures: marks.failures,
    failureSamples: marks.failureSamples,
    warmupUnanswered,
  };
}

// ── Discord: the fake gateway and REST API ───────────────────────────────────────────────

let discord: { fake: FakeDiscord; guild: FakeGuild } | undefined;

async function discordStart(): Promise<DiscordEndpoint> {
  const fake = await FakeDiscord.start();
  const guild = fake.addGuild(setup.discord.guild);
  discord = { fake, guild };
  return { apiUrl: fake.apiUrl, token: fake.token };
}

async function discordRun(): Promise<SeriesTimes> {
  if (!discord) throw new Error('discord.start first');
  const { fake, guild } = discord;
  await fake.waitForReadyShards(1);
  const marks = new Marks();
  const byToken = new Map<string, number>();
  // The fake tells waiters about each REST request as it arrives: this one watches them all
  // (it never matches) until the series ends.
  let watching = true;
  const watcher = fake.waitForRequest(
    (r) => {
      if (!watching) return true;
      observeDiscord(r, byToken, marks);
      return false;
    },
    fake.requests.length,
    24 * 3_600_000,
  );
  watcher.catch(() => undefined);
  try {
    return await runSeries(marks, (i) => {
      const call = setup.discord.calls[i]!;
      byToken.set(slashCommand(fake, guild, call.member, call.command, call.options).token, i);
    });
  } finally {
    // Any request releases the watcher (and its timer); an unauthenticated one changes nothing.
    watching = false;
    await fetch(`${fake.apiUrl}/v10/gateway/bot`).catch(() => undefined);
    await watcher.catch(() => undefined);
  }
}

/** The reply is the callback that carries a message, or the edit/follow-up after a deferral. */
function observeDiscord(r: RecordedRequest, byToken: Map<string, number>, marks: Marks): void {
  const at = performance.now();
  const parts = r.path.split('/').filter(Boolean);
  const i = byToken.get(parts[2] ?? '');
  if (i === undefined) return;
  if (parts[0] === 'interactions' && parts[3] === 'callback' && r.method === 'POST') {
    marks.markAck(i, at);
    const type = (r.body as { type?: unknown } | null)?.type;
    if (type === CALLBACK.DeferredMessage || type === CALLBACK.DeferredUpdate) marks.deferred[i] = 1;
    else if (type === CALLBACK.Message || type === CALLBACK.UpdateMessage || type === CALLBACK.Modal) marks.markReply(i, at);
    else marks.fail(i, `unexpected callback type ${String(type)}`);
    return;
  }
  if (parts[0] !== 'webhooks') return;
  const edit = r.method === 'PATCH' && parts[3] === 'messages' && parts[4] === '@original';
  const followUp = r.method === 'POST' && parts.length === 3;
  if (edit || followUp) marks.markReply(i, at);
}

async function discordStop(): Promise<void> {
  await discord?.fake.close();
  discord = undefined;
}

// ── Slack: the fake Web API, signed requests and response_url ────────────────────────────

let slack: { fake: FakeSlackWebApi; responses: ResponseTimer } | undefined;

async function slackStart(): Promise<SlackEndpoint> {
  const { team, botToken, users } = setup.slack;
  const fake = await FakeSlackWebApi.start({ botToken, team: { id: team.id, name: team.name }, users });
  const responses = await ResponseTimer.start();
  slack = { fake, responses };
  return { apiUrl: fake.url };
}

async function slackRun(appPort: number): Promise<SeriesTimes> {
  if (!slack) throw new Error('slack.start first');
  const { responses } = slack;
  const { team, signingSecret, calls } = setup.slack;
  const client = new SignedSlackClient(`http://127.0.0.1:${appPort}/slack/events`, signingSecret, { id: team.id, domain: team.domain });
  const marks = new Marks();
  responses.onPost = (i, at, problems) => {
    if (problems.length > 0) marks.fail(i, `invalid Block Kit: ${problems[0]}`);
    marks.markReply(i, at);
  };
  try {
    return await runSeries(marks, (i) => {
      const call = calls[i]!;
      const body = client.commandBody({ command: call.command, text: call.text, userId: call.userId, userName: call.userName, responseUrl: responses.urlFor(i) });
      client.sendForm(body).then(
        (res) => {
          if (res.status === 200) marks.markAck(i, performance.now());
          else marks.fail(i, `HTTP ${res.status} ${res.text.slice(0, 100)}`);
        },
        (error: unknown) => marks.fail(i, error instanceof Error ? error.message : String(error)),
      );
    });
  } finally {
    responses.onPost = () => undefined;
  }
}

async function slackStop(): Promise<void> {
  if (slack) await Promise.all([slack.fake.close(), slack.responses.close()]);
  slack = undefined;
}

// ── The router baseline: the same requests, handed to the bot thread over a MessagePort ─

let routing: Marks | undefined;

async function routerRun(series: 'router-discord' | 'router-slack'): Promise<SeriesTimes> {
  const marks = new Marks();
  routing = marks;
  try {
    return await runSeries(marks, (i) => post({ kind: 'route', series, i }));
  } finally {
    routing = undefined;
  }
}

function execute(command: DriverCommand): Promise<unknown> {
  switch (command.op) {
    case 'discord.start':
      return discordStart();
    case 'discord.run':
      return discordRun();
    case 'discord.stop':
      return discordStop();
    case 'slack.start':
      return slackStart();
    case 'slack.run':
      return slackRun(command.appPort);
    case 'slack.stop':
      return slackStop();
    case 'router.run':
      return routerRun(command.series);
  }
}

port.on('message', (message: ToDriver) => {
  if (message.kind === 'routed') {
    routing?.markReply(message.i, performance.now());
    return;
  }
  execute(message.command).then(
    (value) => post({ kind: 'result', id: message.id, ok: true, value }),
    (error: unknown) => post({ kind: 'result', id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
