import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitProblems, viewProblems } from './block-kit.ts';

/**
 * A local stand-in for Slack's Web API (https://slack.com/api/<method>) on 127.0.0.1: the
 * methods Syllabot calls, answered the way Slack answers them, with every call recorded
 * (method, parsed body, the token from the Authorization header). Block Kit payloads are
 * checked against Slack's limits and refused with `invalid_blocks` like Slack would.
 */
export interface FakeUser {
  id: string;
  name: string;
  realName?: string;
  displayName?: string;
  isAdmin?: boolean;
  isOwner?: boolean;
  isPrimaryOwner?: boolean;
  /** Returned only when the caller asks with include_locale, as Slack does. */
  locale?: string;
}

export interface FakeSlackOptions {
  botToken: string;
  team: { id: string; name: string };
  users: FakeUser[];
  /** Channels the bot is not in: chat.postEphemeral and chat.postMessage refuse them. */
  closedChannels?: string[];
  /** Socket Mode: the app-level token and the WebSocket URL apps.connections.open hands out. */
  appToken?: string;
  socketUrl?: string;
}

export interface RecordedCall {
  method: string;
  token: string | undefined;
  body: Record<string, unknown>;
  /** Block Kit problems found in the payload (the call was refused if any). */
  problems: string[];
}

export const BOT_USER_ID = 'UBOT00001';
export const BOT_ID = 'BBOT00001';

type Answer = Record<string, unknown>;

export class FakeSlackWebApi {
  readonly calls: RecordedCall[] = [];
  private readonly holds = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, string>();
  private ts = 1_700_000_000;

  private constructor(
    private readonly server: Server,
    private readonly options: FakeSlackOptions,
  ) {}

  static async start(options: FakeSlackOptions): Promise<FakeSlackWebApi> {
    const server = createServer();
    const fake = new FakeSlackWebApi(server, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The base URL to give the adapter as SLACK_API_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Holds every call to `method` until the returned function is called. */
  hold(method: string): () => void {
    let release!: () => void;
    this.holds.set(method, new Promise<void>((resolve) => (release = resolve)));
    return () => {
      this.holds.delete(method);
      release();
    };
  }

  /** The next call to `method` fails with Slack's error code `error`. */
  failNext(method: string, error: string): void {
    this.failures.set(method, error);
  }

  setUser(user: FakeUser): void {
    const i = this.options.users.findIndex((u) => u.id === user.id);
    if (i >= 0) this.options.users[i] = user;
    else this.options.users.push(user);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
    const body = parseBody(raw, req.headers['content-type']);
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : typeof body.token === 'string' ? body.token : undefined;
    const call: RecordedCall = { method, token, body, problems: [] };
    this.calls.push(call);
    await this.holds.get(method);
    const answer = this.answer(call);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(answer));
  }

  private answer(call: RecordedCall): Answer {
    const { method, body } = call;
    const failure = this.failures.get(method);
    if (failure) {
      this.failures.delete(method);
      return { ok: false, error: failure };
    }
    if (method === 'apps.connections.open') {
      if (!this.options.appToken || call.token !== this.options.appToken) return { ok: false, error: 'invalid_auth' };
      return { ok: true, url: this.options.socketUrl };
    }
    if (call.token !== this.options.botToken) return { ok: false, error: 'invalid_auth' };
    const { team } = this.options;
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.test/', team: team.name, user: 'syllabot', team_id: team.id, user_id: BOT_USER_ID, bot_id: BOT_ID };
      case 'users.info': {
        const user = this.options.users.find((u) => u.id === body.user);
        if (!user) return { ok: false, error: 'user_not_found' };
        return {
          ok: true,
          user: {
            id: user.id,
            team_id: team.id,
            name: user.name,
            real_name: user.realName ?? user.name,
            is_admin: user.isAdmin ?? false,
            is_owner: user.isOwner ?? false,
            is_primary_owner: user.isPrimaryOwner ?? false,
            ...(isTrue(body.include_locale) && user.locale ? { locale: user.locale } : {}),
            profile: { display_name: user.displayName ?? '', real_name: user.realName ?? user.name },
          },
        };
      }
      case 'conversations.open': {
        if (typeof body.users !== 'string' || body.users === '') return { ok: false, error: 'users_list_not_supplied' };
        return { ok: true, channel: { id: `D${body.users}` } };
      }
      case 'chat.postMessage':
      case 'chat.postEphemeral': {
        if (typeof body.channel !== 'string') return { ok: false, error: 'channel_not_found' };
        if (this.options.closedChannels?.includes(body.channel)) return { ok: false, error: 'channel_not_found' };
        if (method === 'chat.postEphemeral' && typeof body.user !== 'string') return { ok: false, error: 'user_not_in_channel' };
        if (body.text === undefined && body.blocks === undefined) return { ok: false, error: 'no_text' };
        if (body.blocks !== undefined) call.problems = blockKitProblems(body.blocks, 'message');
        if (call.problems.length > 0) return { ok: false, error: 'invalid_blocks', errors: call.problems };
        const ts = `${this.ts++}.000100`;
        return method === 'chat.postMessage' ? { ok: true, channel: body.channel, ts, message: { text: body.text, ts } } : { ok: true, message_ts: ts };
      }
      case 'views.open':
      case 'views.publish': {
        if (method === 'views.open' && typeof body.trigger_id !== 'string') return { ok: false, error: 'invalid_trigger' };
        if (method === 'views.publish' && typeof body.user_id !== 'string') return { ok: false, error: 'invalid_arguments' };
        call.problems = viewProblems(body.view, method === 'views.open' ? 'modal' : 'home');
        if (call.problems.length > 0) return { ok: false, error: 'invalid_arguments', response_metadata: { messages: call.problems } };
        return { ok: true, view: { id: `V${this.ts++}`, ...(body.view as object) } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function isTrue(value: unknown): boolean {
  return value === true || value === 'true' || value === '1' || value === 1;
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** The Web API client sends forms with nested values as JSON strings; JSON bodies also work. */
function parseBody(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType?.includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    out[key] = /^[[{]/.test(value) ? tryJson(value) : value;
  }
  return out;
}

function tryJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
