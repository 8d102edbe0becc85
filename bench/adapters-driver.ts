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
import type { Block, BlockTimes, DiscordEndpoint, DriverCommand, DriverSetup, FromDriver, RouterSeries, SeriesId, SlackEndpoint, ToDriver } from './adapters-protocol.ts';
import { ResponseTimer } from './adapters-response-timer.ts';
import { openLoop } from './lib/open-loop.ts';
import { threadCpu, threadCpuSince } from './lib/thread-cpu.ts';

const port = parentPort;
if (!port) throw new Error('bench/adapters-driver.ts runs as a worker thread (see bench/adapters.ts)');
const setup = workerData as DriverSetup;
const total = Math.max(setup.discord.calls.length, setup.slack.calls.length);
const post = (message: FromDriver) => port.postMessage(message);

/** When each request of one series was acknowledged and answered, as the fake platform saw it. */
class Marks {
  readonly ack = new Float64Array(total).fill(Number.NaN);
  readonly reply = new Float64Array(total).fill(Number.NaN);
  readonly deferred = new Uint8Array(total);
  failures = 0;
  failureSamples: string[] = [];
  private block: { from: number; to: number; unanswered: number; settle?: () => void } | undefined;

  markAck(i: number, at: number): void {
    if (Number.isNaN(this.ack[i]!)) this.ack[i] = at;
  }

  markReply(i: number, at: number): void {
    if (!Number.isNaN(this.reply[i]!)) return;
    this.reply[i] = at;
    const block = this.block;
    if (block && i >= block.from && i < block.to && --block.unanswered === 0) block.settle?.();
  }

  fail(i: number, why: string): void {
    this.failures++;
    if (this.failureSamples.length < 5) this.failureSamples.push(`request ${i}: ${why}`);
  }

  open(from: number, to: number): void {
    this.block = { from, to, unanswered: to - from };
    this.failures = 0;
    this.failureSamples = [];
  }

  /** Resolves when every request of the block has its answer, or after `timeoutMs` with some missing. */
  settled(timeoutMs: number): Promise<void> {
    const block = this.block;
    if (!block || block.unanswered === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      block.settle = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

const marks: Record<SeriesId, Marks> = { 'router-discord': new Marks(), discord: new Marks(), 'router-slack': new Marks(), slack: new Marks() };

/** Requests [from, to) of one series on the open-loop timetable, then waits for their answers. */
async function runBlock({ series, from, to }: Block): Promise<BlockTimes> {
  const send = senderFor(series);
  const m = marks[series];
  m.open(from, to);
  const cpu = threadCpu();
  const times = await openLoop({
    count: to - from,
    ratePerS: setup.ratePerS,
    send: (k) => send(from + k),
    sent: (k) => {
      if (k === 0) post({ kind: 'phase', phase: 'sending' });
      if ((k + 1) % 100 === 0 || from + k + 1 === to) post({ kind: 'progress', sent: k + 1 });
    },
  });
  post({ kind: 'phase', phase: 'sent' });
  await m.settled(setup.drainMs);
  const generatorCpu = threadCpuSince(cpu);
  const count = to - from;
  const ackMs = new Float64Array(count);
  const replyMs = new Float64Array(count);
  let lastReply = Number.NaN;
  let deferred = 0;
  for (let k = 0; k < count; k++) {
    const i = from + k;
    const sent = times.sentAt[k]!;
    ackMs[k] = m.ack[i]! - sent;
    replyMs[k] = m.reply[i]! - sent;
    const answered = m.reply[i]!;
    if (!Number.isNaN(answered) && (Number.isNaN(lastReply) || answered > lastReply)) lastReply = answered;
    deferred += m.deferred[i]!;
  }
  return { ackMs, replyMs, lagMs: times.lagMs, windowMs: lastReply - times.sentAt[0]!, deferred, generatorCpu, failures: m.failures, failureSamples: m.failureSamples };
}

function senderFor(series: SeriesId): (i: number) => void {
  switch (series) {
    case 'router-discord':
    case 'router-slack':
      return (i) => post({ kind: 'route', series, i });
    case 'discord': {
      if (!discord) throw new Error('discord.start first');
      const { fake, guild, byToken } = discord;
      return (i) => {
        const call = setup.discord.calls[i]!;
        byToken.set(slashCommand(fake, guild, call.member, call.command, call.options).token, i);
      };
    }
    case 'slack': {
      if (!slack?.client) throw new Error('slack.start and slack.connect first');
      const { client, responses } = slack;
      const m = marks.slack;
      return (i) => {
        const call = setup.slack.calls[i]!;
        const body = client.commandBody({ command: call.command, text: call.text, userId: call.userId, userName: call.userName, responseUrl: responses.urlFor(i) });
        client.sendForm(body).then(
          (res) => {
            if (res.status === 200) m.markAck(i, performance.now());
            else m.fail(i, `HTTP ${res.status} ${res.text.slice(0, 100)}`);
          },
          (error: unknown) => m.fail(i, error instanceof Error ? error.message : String(error)),
        );
      };
    }
  }
}

// ── Discord: the fake gateway and REST API ───────────────────────────────────────────────

let discord: { fake: FakeDiscord; guild: FakeGuild; byToken: Map<string, number>; stopWatching: () => Promise<void> } | undefined;

async function discordStart(): Promise<DiscordEndpoint> {
  const fake = await FakeDiscord.start();
  const guild = fake.addGuild(setup.discord.guild);
  const byToken = new Map<string, number>();
  // The fake tells waiters about each REST request as it arrives: this one watches them all
  // (it never matches) until told to stop.
  let watching = true;
  const watcher = fake.waitForRequest(
    (r) => {
      if (!watching) return true;
      observeDiscord(r, byToken, marks.discord);
      return false;
    },
    fake.requests.length,
    24 * 3_600_000,
  );
  watcher.catch(() => undefined);
  const stopWatching = async () => {
    watching = false;
    // Any request releases the watcher (and its timer); an unauthenticated one changes nothing.
    await fetch(`${fake.apiUrl}/v10/gateway/bot`).catch(() => undefined);
    await watcher.catch(() => undefined);
  };
  discord = { fake, guild, byToken, stopWatching };
  return { apiUrl: fake.apiUrl, token: fake.token };
}

/** The reply is the callback that carries a message, or the edit/follow-up after a deferral. */
function observeDiscord(r: RecordedRequest, byToken: Map<string, number>, m: Marks): void {
  const at = performance.now();
  const parts = r.path.split('/').filter(Boolean);
  const i = byToken.get(parts[2] ?? '');
  if (i === undefined) return;
  if (parts[0] === 'interactions' && parts[3] === 'callback' && r.method === 'POST') {
    m.markAck(i, at);
    const type = (r.body as { type?: unknown } | null)?.type;
    if (type === CALLBACK.DeferredMessage || type === CALLBACK.DeferredUpdate) m.deferred[i] = 1;
    else if (type === CALLBACK.Message || type === CALLBACK.UpdateMessage || type === CALLBACK.Modal) m.markReply(i, at);
    else m.fail(i, `unexpected callback type ${String(type)}`);
    return;
  }
  if (parts[0] !== 'webhooks') return;
  const edit = r.method === 'PATCH' && parts[3] === 'messages' && parts[4] === '@original';
  const followUp = r.method === 'POST' && parts.length === 3;
  if (edit || followUp) m.markReply(i, at);
}

async function discordStop(): Promise<void> {
  if (!discord) return;
  await discord.stopWatching();
  await discord.fake.close();
  discord = undefined;
}

// ── Slack: the fake Web API, signed requests and response_url ────────────────────────────

let slack: { fake: FakeSlackWebApi; responses: ResponseTimer; client?: SignedSlackClient } | undefined;

async function slackStart(): Promise<SlackEndpoint> {
  const { team, botToken, users } = setup.slack;
  const fake = await FakeSlackWebApi.start({ botToken, team: { id: team.id, name: team.name }, users });
  const responses = await ResponseTimer.start();
  responses.onPost = (i, at, problems) => {
    if (problems.length > 0) marks.slack.fail(i, `invalid Block Kit: ${problems[0]}`);
    marks.slack.markReply(i, at);
  };
  slack = { fake, responses };
  return { apiUrl: fake.url };
}

function slackConnect(appPort: number): void {
  if (!slack) throw new Error('slack.start first');
  const { team, signingSecret } = setup.slack;
  slack.client = new SignedSlackClient(`http://127.0.0.1:${appPort}/slack/events`, signingSecret, { id: team.id, domain: team.domain });
}

async function slackStop(): Promise<void> {
  if (slack) await Promise.all([slack.fake.close(), slack.responses.close()]);
  slack = undefined;
}

async function execute(command: DriverCommand): Promise<unknown> {
  switch (command.op) {
    case 'discord.start':
      return discordStart();
    case 'discord.stop':
      return discordStop();
    case 'slack.start':
      return slackStart();
    case 'slack.connect':
      return slackConnect(command.appPort);
    case 'slack.stop':
      return slackStop();
    case 'block':
      return runBlock(command);
  }
}

function routed(series: RouterSeries, i: number): void {
  marks[series].markReply(i, performance.now());
}

port.on('message', (message: ToDriver) => {
  if (message.kind === 'routed') return routed(message.series, message.i);
  execute(message.command).then(
    (value) => post({ kind: 'result', id: message.id, ok: true, value }),
    (error: unknown) => post({ kind: 'result', id: message.id, ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});
