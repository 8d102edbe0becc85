import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitProblems, viewProblems } from './block-kit.ts';

/**
 * A local stand-in for Slack's Web API (https://slack.com/api/<method>) on 127.0.0.1: the
 * methods Syllabot calls, answered the way Slack answers them, with every call recorded
 * (method, parsed body, the token from the Authorization header). Block Kit payloads are
 * checked against Slack's limits and refused with `invalid_blocks` like Slack would.
 *
 * Tokens are per workspace: `botToken` belongs to `team`; an OAuth install (the consent page at
 * /oauth/v2/authorize, then oauth.v2.access) issues a new bot token for the consenting
 * workspace. Each call is answered for the workspace its token belongs to; an unknown token
 * gets `invalid_auth`, a revoked one the error it was revoked with (`token_revoked`).
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
  /** How long each answer takes, after the call took effect (as with a distant Slack). */
  latencyMs?: number;
}

/** A message the bot posted, as conversations.history returns it. */
export interface StoredMessage {
  type: 'message';
  ts: string;
  text: unknown;
  bot_id: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** Not part of Slack's answer: when the fake stored it (ms), for delay figures. */
  postedAt: number;
  channel: string;
}

/** The Slack app's OAuth settings as configured on api.slack.com (client credentials, redirect URL). */
export interface FakeOAuthApp {
  clientId: string;
  clientSecret: string;
  /** Where the consent page sends the browser back (the app's configured redirect URL). */
  redirectUrl: string;
  appId?: string;
}

export interface FakeWorkspace {
  id: string;
  name: string;
}

/** A bot token Slack handed out, and for which workspace. */
export interface Grant {
  token: string;
  team: FakeWorkspace;
  botUserId: string;
  botId: string;
  scopes: string[];
  /** Set once revoked: the error calls with this token now get. */
  revoked?: string;
}

export interface RecordedCall {
  method: string;
  token: string | undefined;
  /** The workspace of the token, when the token is one Slack issued. */
  teamId: string | undefined;
  body: Record<string, unknown>;
  /** Block Kit problems found in the payload (the call was refused if any). */
  problems: string[];
}

/** A file as it went through files.getUploadURLExternal, the upload URL and files.completeUploadExternal. */
export interface FakeUpload {
  fileId: string;
  filename: string;
  /** What getUploadURLExternal was told the length would be. */
  length: number;
  altText: string | undefined;
  /** The bytes posted to the upload URL (undefined until then). */
  bytes: Buffer | undefined;
  /** Set by completeUploadExternal. */
  completed?: { channelId: string | undefined; title: string | undefined; initialComment: string | undefined; teamId: string };
}

/** Slack's largest file: 1 GB. */
export const SLACK_MAX_FILE_BYTES = 1024 * 1024 * 1024;

export const BOT_USER_ID = 'UBOT00001';
export const BOT_ID = 'BBOT00001';

type Answer = Record<string, unknown>;

export class FakeSlackWebApi {
  readonly calls: RecordedCall[] = [];
  /** Every file upload begun, by file id. */
  readonly uploads = new Map<string, FakeUpload>();
  /** Every visit to the consent page, as the browser asked for it. */
  readonly consentVisits: URL[] = [];
  private readonly holds = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, string>();
  private readonly grants = new Map<string, Grant>();
  /** OAuth codes not yet exchanged, and the workspace each was given for. */
  private readonly codes = new Map<string, { team: FakeWorkspace; scopes: string[] }>();
  private oauthApp: FakeOAuthApp | undefined;
  private consenting: FakeWorkspace | undefined;
  private ts = 1_700_000_000;
  private issued = 0;
  /** Every message posted with chat.postMessage, per channel, oldest first. */
  readonly messages = new Map<string, StoredMessage[]>();
  latencyMs: number;

  private constructor(
    private readonly server: Server,
    private readonly options: FakeSlackOptions,
  ) {
    this.grants.set(options.botToken, { token: options.botToken, team: options.team, botUserId: BOT_USER_ID, botId: BOT_ID, scopes: [] });
    this.latencyMs = options.latencyMs ?? 0;
  }

  /** Every message posted, in every channel. */
  allMessages(): StoredMessage[] {
    return [...this.messages.values()].flat();
  }

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

  /** The app's OAuth configuration on Slack's side (needed before anyone can install it). */
  configureOAuth(app: FakeOAuthApp): void {
    this.oauthApp = app;
  }

  /** The next visitor of the consent page approves the install for this workspace. */
  consentAs(team: FakeWorkspace): void {
    this.consenting = team;
  }

  /** The bot tokens issued for a workspace, oldest first (the single-workspace token included). */
  grantsFor(teamId: string): Grant[] {
    return [...this.grants.values()].filter((g) => g.team.id === teamId);
  }

  /** From now on, calls with this token fail with `error` (Slack's `token_revoked`, `invalid_auth`, `account_inactive`). */
  revoke(token: string, error = 'token_revoked'): void {
    const grant = this.grants.get(token);
    if (!grant) throw new Error('the fake never issued that token');
    grant.revoked = error;
  }

  /** User groups (`requires:` on Slack), with their members. */
  readonly userGroups: { id: string; handle: string; name: string; users: string[] }[] = [];
  /** Channels a course can invite to: private ones only when the bot is in them. */
  readonly conversations = new Map<string, { name: string; isPrivate: boolean; botMember: boolean; members: Set<string> }>();
  /** Scopes the app's token lacks (the workspace installed an older manifest): their methods answer missing_scope. */
  readonly withheldScopes = new Set<string>();

  addConversation(id: string, spec: { name: string; isPrivate?: boolean; botMember?: boolean }): void {
    this.conversations.set(id, { name: spec.name, isPrivate: spec.isPrivate ?? false, botMember: spec.botMember ?? true, members: new Set() });
  }

  private missingScope(needed: string): Answer | null {
    return this.withheldScopes.has(needed) ? { ok: false, error: 'missing_scope', needed, provided: 'commands,chat:write' } : null;
  }

  /** The cohort methods: user groups and channel membership, as Slack answers them. */
  private cohortAnswer(method: string, body: Record<string, unknown>): Answer {
    switch (method) {
      case 'usergroups.list':
        return this.missingScope('usergroups:read') ?? { ok: true, usergroups: this.userGroups.map(({ id, handle, name }) => ({ id, handle, name })) };
      case 'usergroups.users.list': {
        const group = this.userGroups.find((g) => g.id === body.usergroup);
        return this.missingScope('usergroups:read') ?? (group ? { ok: true, users: [...group.users] } : { ok: false, error: 'no_such_subteam' });
      }
      default: {
        const channel = this.conversations.get(String(body.channel));
        const scope = method === 'conversations.info' ? (channel?.isPrivate ? 'groups:read' : 'channels:read') : channel?.isPrivate ? 'groups:write' : 'channels:manage';
        const refused = this.missingScope(scope);
        if (refused) return refused;
        if (!channel || (channel.isPrivate && !channel.botMember)) return { ok: false, error: method === 'conversations.info' || !channel ? 'channel_not_found' : 'not_in_channel' };
        if (method === 'conversations.info') return { ok: true, channel: { id: body.channel, name: channel.name, is_private: channel.isPrivate, is_member: channel.botMember } };
        const user = String(method === 'conversations.invite' ? body.users : body.user);
        if (method === 'conversations.invite') {
          if (channel.members.has(user)) return { ok: false, error: 'already_in_channel' };
          channel.members.add(user);
          return { ok: true, channel: { id: body.channel } };
        }
        if (!channel.members.delete(user)) return { ok: false, error: 'not_in_channel' };
        return { ok: true };
      }
    }
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

  /** The files completed into a channel (a DM is `D<user id>`), oldest first. */
  filesIn(channelId: string): FakeUpload[] {
    return [...this.uploads.values()].filter((u) => u.completed?.channelId === channelId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'POST' && (req.url ?? '').startsWith('/upload/v1/')) {
      await this.receiveUpload(req, res);
      return;
    }
    const raw = await readBody(req);
    if (req.method === 'GET' && (req.url ?? '').startsWith('/oauth/v2/authorize')) {
      this.consentPage(new URL(req.url!, 'http://127.0.0.1'), res);
      return;
    }
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0]!;
    const body = parseBody(raw, req.headers['content-type']);
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : typeof body.token === 'string' ? body.token : undefined;
    const basic = header?.startsWith('Basic ') ? Buffer.from(header.slice('Basic '.length), 'base64').toString('utf8').split(':') : undefined;
    if (basic) Object.assign(body, { client_id: body.client_id ?? basic[0], client_secret: body.client_secret ?? basic[1] });
    const call: RecordedCall = { method, token, teamId: token ? this.grants.get(token)?.team.id : undefined, body, problems: [] };
    this.calls.push(call);
    await this.holds.get(method);
    const answer = this.answer(call);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    // Slack lists the token's scopes on every answer; the fake's token has all but the withheld.
    const granted = ['commands', 'chat:write', 'channels:manage', 'groups:write', 'channels:read', 'groups:read', 'usergroups:read'].filter((scope) => !this.withheldScopes.has(scope));
    res.setHeader('x-oauth-scopes', granted.join(','));
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
    if (method === 'oauth.v2.access') return this.exchangeCode(body);
    const grant = call.token ? this.grants.get(call.token) : undefined;
    if (!grant) return { ok: false, error: 'invalid_auth' };
    if (grant.revoked) return { ok: false, error: grant.revoked };
    const { team } = grant;
    if (method.startsWith('usergroups.') || ['conversations.info', 'conversations.invite', 'conversations.kick'].includes(method)) return this.cohortAnswer(method, body);
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.test/', team: team.name, user: 'syllabot', team_id: team.id, user_id: grant.botUserId, bot_id: grant.botId };
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
        if (method === 'chat.postMessage') this.store(body.channel, ts, body, grant.botId);
        return method === 'chat.postMessage' ? { ok: true, channel: body.channel, ts, message: { text: body.text, ts } } : { ok: true, message_ts: ts };
      }
      case 'conversations.history': {
        if (typeof body.channel !== 'string') return { ok: false, error: 'channel_not_found' };
        if (this.options.closedChannels?.includes(body.channel)) return { ok: false, error: 'not_in_channel' };
        const limit = Math.min(999, Math.max(1, Number(body.limit ?? 100) || 100));
        // Newest first; metadata only when asked for with include_all_metadata, as Slack does.
        const withMetadata = isTrue(body.include_all_metadata);
        const newest = [...(this.messages.get(body.channel) ?? [])].reverse().slice(0, limit);
        const messages = newest.map(({ postedAt: _postedAt, channel: _channel, metadata, ...m }) => ({ ...m, ...(withMetadata && metadata ? { metadata } : {}) }));
        return { ok: true, messages, has_more: (this.messages.get(body.channel)?.length ?? 0) > limit, pin_count: 0 };
      }
      case 'files.getUploadURLExternal': {
        const length = Number(body.length);
        if (typeof body.filename !== 'string' || body.filename === '') return { ok: false, error: 'invalid_arguments' };
        if (!Number.isInteger(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
        if (length > SLACK_MAX_FILE_BYTES) return { ok: false, error: 'file_too_large' };
        const fileId = `F${(this.ts++).toString(36).toUpperCase()}`;
        this.uploads.set(fileId, { fileId, filename: body.filename, length, altText: typeof body.alt_text === 'string' ? body.alt_text : undefined, bytes: undefined });
        return { ok: true, upload_url: `${this.url.replace(/api\/$/, '')}upload/v1/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(body.files) ? (body.files as { id?: unknown; title?: unknown }[]) : undefined;
        if (!files || files.length === 0) return { ok: false, error: 'invalid_arguments' };
        const uploads = files.map((f) => (typeof f.id === 'string' ? this.uploads.get(f.id) : undefined));
        // Slack refuses to complete a file whose bytes never arrived or differ from the length given.
        if (uploads.some((u) => !u || !u.bytes || u.bytes.byteLength !== u.length || u.completed)) return { ok: false, error: 'file_not_found' };
        const channelId = typeof body.channel_id === 'string' ? body.channel_id : undefined;
        if (channelId && this.options.closedChannels?.includes(channelId)) return { ok: false, error: 'channel_not_found' };
        const initialComment = typeof body.initial_comment === 'string' ? body.initial_comment : undefined;
        uploads.forEach((u, i) => {
          const title = files[i]!.title;
          u!.completed = { channelId, title: typeof title === 'string' ? title : undefined, initialComment, teamId: team.id };
        });
        return { ok: true, files: uploads.map((u) => ({ id: u!.fileId, name: u!.filename, title: u!.completed!.title ?? u!.filename, size: u!.length })) };
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

  private store(channel: string, ts: string, body: Record<string, unknown>, botId: string): void {
    const metadata = body.metadata && typeof body.metadata === 'object' ? (body.metadata as StoredMessage['metadata']) : undefined;
    const list = this.messages.get(channel) ?? [];
    list.push({ type: 'message', ts, text: body.text, bot_id: botId, ...(metadata ? { metadata } : {}), postedAt: Date.now(), channel });
    this.messages.set(channel, list);
  }

  /**
   * The address getUploadURLExternal hands out: the file's bytes, raw or as the one file of a
   * multipart form (the Web API client sends the latter). Slack answers 200 "OK - <size>".
   */
  private async receiveUpload(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const fileId = (req.url ?? '').slice('/upload/v1/'.length);
    const upload = this.uploads.get(fileId);
    if (!upload || upload.bytes) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    let bytes = raw;
    const contentType = req.headers['content-type'] ?? '';
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Request('http://fake.slack/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
      const file = [...form.values()].find((v) => typeof v !== 'string');
      if (!file || typeof file === 'string') {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('no file in the form');
        return;
      }
      bytes = Buffer.from(await file.arrayBuffer());
    }
    upload.bytes = bytes;
    this.calls.push({ method: 'upload', token: undefined, teamId: undefined, body: { fileId, size: bytes.byteLength }, problems: [] });
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.byteLength}`);
  }

  /**
   * Slack's consent page: a browser arriving with the app's client id is sent back to the app's
   * redirect URL with a one-time code and the state it brought, once someone consents (consentAs).
   */
  private consentPage(url: URL, res: ServerResponse): void {
    this.consentVisits.push(url);
    const app = this.oauthApp;
    const team = this.consenting;
    if (!app || url.searchParams.get('client_id') !== app.clientId || !team) {
      res.writeHead(app && team ? 400 : 200, { 'content-type': 'text/html' });
      res.end(app && team ? 'invalid_client_id' : '<html>Fake Slack: nobody consented</html>');
      return;
    }
    this.consenting = undefined;
    const code = `${++this.issued}.${randomBytes(8).toString('hex')}`;
    this.codes.set(code, { team, scopes: (url.searchParams.get('scope') ?? '').split(',').filter(Boolean) });
    const back = new URL(url.searchParams.get('redirect_uri') ?? app.redirectUrl);
    back.searchParams.set('code', code);
    const state = url.searchParams.get('state');
    if (state !== null) back.searchParams.set('state', state);
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  /** oauth.v2.access: a one-time code for a bot token, answered like Slack's v2 response. */
  private exchangeCode(body: Record<string, unknown>): Answer {
    const app = this.oauthApp;
    if (!app || body.client_id !== app.clientId) return { ok: false, error: 'invalid_client_id' };
    if (body.client_secret !== app.clientSecret) return { ok: false, error: 'bad_client_secret' };
    const pending = typeof body.code === 'string' ? this.codes.get(body.code) : undefined;
    if (!pending) return { ok: false, error: 'invalid_code' };
    this.codes.delete(body.code as string);
    const n = ++this.issued;
    const grant: Grant = {
      token: `xoxb-${1000 + n}-${2000 + n}-${randomBytes(12).toString('hex')}`,
      team: pending.team,
      botUserId: `UBOT${pending.team.id}`,
      botId: `BBOT${pending.team.id}`,
      scopes: pending.scopes,
    };
    this.grants.set(grant.token, grant);
    return {
      ok: true,
      app_id: app.appId ?? 'A0SYLLABOT',
      authed_user: { id: 'UINSTALLER1' },
      scope: grant.scopes.join(','),
      token_type: 'bot',
      access_token: grant.token,
      bot_user_id: grant.botUserId,
      team: { id: grant.team.id, name: grant.team.name },
      enterprise: null,
      is_enterprise_install: false,
    };
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
