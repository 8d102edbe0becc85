import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { WebSocketServer, type WebSocket } from 'ws';
import { shardOf, snowflake } from './snowflake.ts';

/**
 * A local stand-in for Discord: the REST API under /api/v10 and a gateway speaking the real
 * protocol (HELLO, IDENTIFY, READY, GUILD_CREATE, heartbeats, dispatches). The real discord.js
 * client connects to it unchanged: it only needs DISCORD_API_URL pointing here, and finds the
 * gateway through GET /gateway/bot like it would on discord.com. Every REST request is recorded
 * so tests can assert what the bot sent.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface RecordedRequest {
  seq: number;
  method: string;
  /** Path under /api/v10, e.g. `/interactions/123/abc/callback`. */
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
  /** The JSON body, or a multipart request's `payload_json`. */
  body: JsonObject | Json[] | null;
  /** Files of a multipart request (`files[n]` parts), as uploaded. */
  files: RecordedFile[];
}

export interface RecordedFile {
  /** The form field, `files[0]`. */
  field: string;
  name: string;
  contentType: string;
  bytes: Buffer;
}

/**
 * Discord's upload limits for a bot in a server without boosts: 10 MiB a file (else 40005
 * "Request entity too large") and 10 attachments a message.
 */
export const UPLOAD_LIMIT_BYTES = 10 * 1024 * 1024;
export const ATTACHMENTS_PER_MESSAGE = 10;

export interface IdentifyRecord {
  shard: [number, number];
  intents: number;
  compress: boolean | undefined;
  properties: JsonObject;
  /** The query string the client connected with (`v`, `encoding`, `compress`). */
  query: URLSearchParams;
}

export interface FakeRole {
  id: string;
  name: string;
  /** Decimal permission bits; none by default. */
  permissions?: string;
  /** A role an integration manages (a bot's own role): cannot be given to members. */
  managed?: boolean;
}

export interface FakeGuild {
  id: string;
  name: string;
  locale: string;
  channelId: string;
  /** Lowest first: a role's position is its place in this list (after @everyone at 0). */
  roles: FakeRole[];
  /** The bot's own roles in this guild (GET /guilds/:id/members/<bot>). */
  botRoles: string[];
}

/** Manage Roles, as Discord's permission bit. */
export const MANAGE_ROLES = (1n << 28n).toString();

export interface FakeDiscordOptions {
  token?: string;
  /** What GET /gateway/bot recommends. */
  recommendedShards?: number;
  maxConcurrency?: number;
  heartbeatIntervalMs?: number;
  /** How long each REST answer takes, after the request took effect (as with a distant Discord). */
  latencyMs?: number;
  /** How long a nonce sent with `enforce_nonce` is remembered ("a few minutes" on Discord). */
  nonceWindowMs?: number;
}

/** A message a bot created with POST /channels/:id/messages. */
export interface CreatedMessage {
  id: string;
  channelId: string;
  nonce: string | null;
  /** When the fake created it (ms). */
  at: number;
}

interface GatewaySession {
  socket: WebSocket;
  query: URLSearchParams;
  shard: [number, number] | null;
  sessionId: string;
  seq: number;
  ready: boolean;
}

interface InteractionState {
  payload: JsonObject;
  acknowledged: boolean;
  original: JsonObject | null;
  channelId: string;
}

const fixture = (name: string): JsonObject =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as JsonObject;

const OP = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;
/** Interaction callback types. */
export const CALLBACK = { Message: 4, DeferredMessage: 5, DeferredUpdate: 6, UpdateMessage: 7, Autocomplete: 8, Modal: 9 } as const;
export const EPHEMERAL = 64;
const LOADING = 128;

export class FakeDiscord {
  readonly token: string;
  readonly applicationId = snowflake();
  readonly botUser: JsonObject;
  readonly requests: RecordedRequest[] = [];
  readonly identifies: IdentifyRecord[] = [];
  readonly gatewayCloses: { code: number; shard: [number, number] | null }[] = [];
  readonly guilds: FakeGuild[] = [];
  /** Heartbeats received (each answered with a HEARTBEAT_ACK). */
  heartbeats = 0;
  /** Roles members hold, as PUT/DELETE .../members/:user/roles/:role left them (`guild:user`). */
  readonly memberRoles = new Map<string, Set<string>>();
  /** Members who left their guild: member routes answer 404 Unknown Member. */
  readonly departed = new Set<string>();
  /** While set, role changes answer 403 Missing Permissions (the bot lost Manage Roles). */
  refuseRoleChanges = false;
  /** How long each role change takes to answer, so a test can stop a long pass half-way. */
  roleLatencyMs = 0;
  /** What PUT .../commands stored, by scope (`global` or a guild id). */
  readonly commands = new Map<string, JsonObject[]>();
  recommendedShards: number;
  latencyMs: number;
  /** Every message created in a channel or DM, oldest first (a nonce repeat creates none). */
  readonly created: CreatedMessage[] = [];

  private readonly nonces = new Map<string, { message: JsonObject; at: number }>();
  private readonly dmChannels = new Map<string, string>();
  private readonly sessions = new Set<GatewaySession>();
  private readonly interactions = new Map<string, InteractionState>();
  private readonly channels = new Set<string>();
  private readonly waiters: { match: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  private readonly gatewayWaiters: (() => void)[] = [];
  private seq = 0;
  private port = 0;
  private closed = false;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    private readonly options: Required<FakeDiscordOptions>,
  ) {
    this.token = options.token;
    this.recommendedShards = options.recommendedShards;
    this.latencyMs = options.latencyMs;
    const ready = fixture('ready');
    this.botUser = { ...(ready.user as JsonObject), id: this.applicationId };
  }

  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const server = createServer();
    const wss = new WebSocketServer({ server, path: '/gateway' });
    const fake = new FakeDiscord(server, wss, {
      token: options.token ?? `${Buffer.from(snowflake()).toString('base64url')}.fake.${randomBytes(16).toString('base64url')}`,
      recommendedShards: options.recommendedShards ?? 1,
      maxConcurrency: options.maxConcurrency ?? 16,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      latencyMs: options.latencyMs ?? 0,
      nonceWindowMs: options.nonceWindowMs ?? 120_000,
    });
    server.on('request', (req, res) => void fake.onHttp(req, res));
    wss.on('connection', (socket, req) => fake.onSocket(socket, req));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** What DISCORD_API_URL should be: discord.js appends `/v10`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const session of this.sessions) session.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ── Guilds ──────────────────────────────────────────────────────────────────────────────

  /** A guild the bot is in, sent in READY (unavailable) and then as GUILD_CREATE. */
  addGuild(spec: { id?: string; name: string; locale?: string; roles?: FakeRole[]; botRoles?: string[] }): FakeGuild {
    const guild: FakeGuild = {
      id: spec.id ?? snowflake(),
      name: spec.name,
      locale: spec.locale ?? 'en-US',
      channelId: snowflake(),
      roles: spec.roles ?? [],
      botRoles: spec.botRoles ?? [],
    };
    this.guilds.push(guild);
    this.channels.add(guild.channelId);
    for (const session of this.sessions) {
      if (session.ready && session.shard && shardOf(guild.id, session.shard[1]) === session.shard[0]) {
        this.dispatch(session, 'GUILD_CREATE', this.guildCreate(guild));
      }
    }
    return guild;
  }

  guildCreate(guild: FakeGuild): JsonObject {
    const base = fixture('guild-create');
    const [everyone] = base.roles as JsonObject[];
    const channel = (base.channels as JsonObject[])[0]!;
    return {
      ...base,
      id: guild.id,
      name: guild.name,
      preferred_locale: guild.locale,
      system_channel_id: guild.channelId,
      roles: [
        { ...everyone!, id: guild.id },
        ...guild.roles.map((role, i) => ({ ...everyone!, id: role.id, name: role.name, position: i + 1, permissions: role.permissions ?? '0', managed: role.managed ?? false })),
      ],
      channels: [{ ...channel, id: guild.channelId, guild_id: guild.id }],
    };
  }

  // ── REST ────────────────────────────────────────────────────────────────────────────────

  /** Resolves with the first recorded request (from `since` on) that matches. */
  waitForRequest(match: (r: RecordedRequest) => boolean, since = 0, timeoutMs = 10_000): Promise<RecordedRequest> {
    const found = this.requests.slice(since).find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`The fake Discord saw no matching request in ${timeoutMs} ms; it saw:\n${this.describeRequests(since)}`));
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (r: RecordedRequest) => {
          clearTimeout(timer);
          resolve(r);
        },
      };
      this.waiters.push(waiter);
    });
  }

  describeRequests(since = 0): string {
    return this.requests
      .slice(since)
      .map((r) => `  ${r.method} ${r.path}`)
      .join('\n');
  }

  /** Requests about one interaction: its callback and its webhook messages. */
  requestsFor(interaction: { id: string; token: string }): RecordedRequest[] {
    return this.requests.filter((r) => r.path.includes(`/${interaction.id}/`) || r.path.includes(`/${interaction.token}`));
  }

  private async onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const bytes = Buffer.concat(chunks);
    const contentType = req.headers['content-type'] ?? '';
    let raw = '';
    const files: RecordedFile[] = [];
    if (contentType.startsWith('multipart/form-data')) {
      // Parsed by the platform's own multipart reader (undici), as a real server would.
      const form = await new Request('http://fake.discord/', { method: 'POST', headers: { 'content-type': contentType }, body: bytes }).formData();
      for (const [field, value] of form) {
        if (field === 'payload_json' && typeof value === 'string') raw = value;
        else if (/^files\[\d+\]$/.test(field) && typeof value !== 'string') {
          files.push({ field, name: value.name, contentType: value.type, bytes: Buffer.from(await value.arrayBuffer()) });
        } else return send(res, 400, { message: `400: unexpected form field ${field}`, code: 50035 });
      }
      if (files.some((f) => f.bytes.byteLength > UPLOAD_LIMIT_BYTES)) return send(res, 413, { message: 'Request entity too large', code: 40005 });
      if (files.length > ATTACHMENTS_PER_MESSAGE) return send(res, 400, { message: 'Invalid Form Body', code: 50035 });
    } else {
      raw = bytes.toString('utf8');
    }
    let body: JsonObject | Json[] | null = null;
    if (raw) {
      try {
        body = JSON.parse(raw) as JsonObject;
      } catch {
        return send(res, 400, { message: '400: Bad Request', code: 50109 });
      }
    }
    if (!url.pathname.startsWith('/api/v10/')) return send(res, 404, { message: '404: Not Found', code: 0 });
    const recorded: RecordedRequest = {
      seq: this.seq++,
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname.slice('/api/v10'.length)),
      query: url.searchParams,
      authorization: req.headers.authorization,
      body,
      files,
    };
    this.requests.push(recorded);
    if (this.roleLatencyMs > 0 && recorded.path.includes('/roles/')) await new Promise((resolve) => setTimeout(resolve, this.roleLatencyMs));
    const [status, out] = this.route(recorded);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    if (status === 204) {
      res.writeHead(204).end();
    } else {
      send(res, status, out);
    }
    for (const waiter of [...this.waiters]) {
      if (waiter.match(recorded)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(recorded);
      }
    }
  }

  private route(r: RecordedRequest): [number, Json] {
    const parts = r.path.split('/').filter(Boolean);
    const key = `${r.method} /${parts.map((p, i) => (isRouteParam(parts, i) ? ':' : p)).join('/')}`;
    // Interaction responses authenticate with the interaction token in the path, not the bot token.
    const open = parts[0] === 'interactions' || parts[0] === 'webhooks';
    if (!open && r.authorization !== `Bot ${this.token}`) return [401, { message: '401: Unauthorized', code: 0 }];
    const body = (r.body ?? {}) as JsonObject;
    switch (key) {
      case 'GET /gateway/bot':
        return [
          200,
          {
            ...fixture('gateway-bot'),
            url: this.gatewayUrl,
            shards: this.recommendedShards,
            session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: this.options.maxConcurrency },
          },
        ];
      case 'GET /gateway':
        return [200, { url: this.gatewayUrl }];
      case 'GET /users/@me':
        return [200, this.botUser];
      case 'GET /applications/@me':
        return [200, { id: this.applicationId, name: 'Syllabot', description: '', icon: null, bot_public: true, bot_require_code_grant: false, flags: 8953856, bot: this.botUser }];
      case 'PUT /applications/:/commands':
      case 'PUT /applications/:/guilds/:/commands': {
        if (parts[1] !== this.applicationId) return [403, { message: 'Missing Access', code: 50001 }];
        const scope = parts[2] === 'guilds' ? parts[3]! : 'global';
        const stored = (r.body as JsonObject[]).map((c) => ({
          ...c,
          id: snowflake(),
          application_id: this.applicationId,
          version: snowflake(),
          ...(scope === 'global' ? {} : { guild_id: scope }),
        }));
        this.commands.set(scope, stored);
        return [200, stored];
      }
      case 'POST /interactions/:/:/callback':
        return this.interactionCallback(parts[1]!, parts[2]!, body, r.files);
      case 'GET /webhooks/:/:/messages/@original':
      case 'PATCH /webhooks/:/:/messages/@original':
      case 'DELETE /webhooks/:/:/messages/@original':
        return this.original(r.method, parts[2]!, r.files.length > 0 ? withAttachments(body, r.files) : body);
      case 'POST /webhooks/:/:': {
        const state = this.interactions.get(parts[2]!);
        if (!state?.acknowledged) return [404, { message: 'Unknown Webhook', code: 10015 }];
        return [200, this.message(state.channelId, withAttachments(body, r.files))];
      }
      case 'POST /channels/:/messages':
        if (!this.channels.has(parts[1]!)) return [404, { message: 'Unknown Channel', code: 10003 }];
        return this.createMessage(parts[1]!, withAttachments(body, r.files));
      case 'GET /guilds/:/members/:': {
        const guild = this.guilds.find((g) => g.id === parts[1]);
        const userId = parts[3]!;
        if (!guild) return [404, { message: 'Unknown Guild', code: 10004 }];
        if (this.departed.has(userId)) return [404, { message: 'Unknown Member', code: 10007 }];
        const roles = userId === this.applicationId ? guild.botRoles : [...this.rolesOf(guild.id, userId)];
        const user = userId === this.applicationId ? this.botUser : { id: userId, username: `user${userId.slice(-4)}`, discriminator: '0', global_name: null, avatar: null };
        return [200, { user, roles, nick: null, avatar: null, joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0, pending: false }];
      }
      case 'PUT /guilds/:/members/:/roles/:':
      case 'DELETE /guilds/:/members/:/roles/:': {
        const guild = this.guilds.find((g) => g.id === parts[1]);
        const [userId, roleId] = [parts[3]!, parts[5]!];
        if (!guild) return [404, { message: 'Unknown Guild', code: 10004 }];
        if (this.departed.has(userId)) return [404, { message: 'Unknown Member', code: 10007 }];
        if (!guild.roles.some((role) => role.id === roleId)) return [404, { message: 'Unknown Role', code: 10011 }];
        if (this.refuseRoleChanges) return [403, { message: 'Missing Permissions', code: 50013 }];
        const held = this.memberRoles.get(`${guild.id}:${userId}`) ?? new Set<string>();
        if (r.method === 'PUT') held.add(roleId);
        else held.delete(roleId);
        this.memberRoles.set(`${guild.id}:${userId}`, held);
        return [204, null];
      }
      case 'POST /users/@me/channels': {
        // One DM channel per recipient, as on Discord: opening it again returns the same one.
        const recipient = String(body.recipient_id);
        const id = this.dmChannels.get(recipient) ?? snowflake();
        this.dmChannels.set(recipient, id);
        this.channels.add(id);
        return [200, { id, type: 1, last_message_id: null, flags: 0, recipients: [{ id: recipient, username: `user${recipient.slice(-4)}`, discriminator: '0', global_name: null, avatar: null }] }];
      }
      default:
        return [404, { message: '404: Not Found', code: 0 }];
    }
  }

  /**
   * Discord's idempotent create: with `enforce_nonce`, a nonce the same author used within the
   * last few minutes returns that earlier message and creates nothing. A nonce is at most 25
   * characters (a string) or an integer.
   */
  private createMessage(channelId: string, body: JsonObject): [number, Json] {
    const nonce = body.nonce === undefined || body.nonce === null ? null : String(body.nonce);
    if (nonce !== null && (typeof body.nonce === 'string' ? nonce.length > 25 : !Number.isInteger(body.nonce))) {
      return [400, { message: 'Invalid Form Body', code: 50035, errors: { nonce: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } } }];
    }
    const now = Date.now();
    if (nonce !== null && body.enforce_nonce === true) {
      const earlier = this.nonces.get(nonce);
      if (earlier && now - earlier.at <= this.options.nonceWindowMs) return [200, earlier.message];
    }
    const { enforce_nonce: _enforce, ...data } = body;
    const message = this.message(channelId, data, false);
    this.created.push({ id: String(message.id), channelId, nonce, at: now });
    if (nonce !== null) this.nonces.set(nonce, { message, at: now });
    return [200, message];
  }

  private interactionCallback(id: string, token: string, body: JsonObject, files: RecordedFile[]): [number, Json] {
    const state = this.interactions.get(token);
    if (!state || state.payload.id !== id) return [404, { message: 'Unknown interaction', code: 10062 }];
    if (state.acknowledged) return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
    state.acknowledged = true;
    const data = withAttachments((body.data ?? {}) as JsonObject, files);
    switch (body.type) {
      case CALLBACK.Message:
        state.original = this.message(state.channelId, data);
        break;
      case CALLBACK.DeferredMessage:
        state.original = this.message(state.channelId, { content: '', flags: (Number(data.flags ?? 0) | LOADING) as Json });
        break;
      case CALLBACK.DeferredUpdate:
        state.original = (state.payload.message as JsonObject | undefined) ?? null;
        break;
      case CALLBACK.UpdateMessage:
        state.original = { ...((state.payload.message as JsonObject | undefined) ?? {}), ...data };
        break;
      case CALLBACK.Autocomplete:
      case CALLBACK.Modal:
        break;
      default:
        state.acknowledged = false;
        return [400, { message: 'Invalid Form Body', code: 50035 }];
    }
    return [204, null];
  }

  private original(method: string, token: string, body: JsonObject): [number, Json] {
    const state = this.interactions.get(token);
    if (!state?.original) return [404, { message: 'Unknown Message', code: 10008 }];
    if (method === 'DELETE') {
      state.original = null;
      return [204, null];
    }
    if (method === 'PATCH') {
      const flags = Number(state.original.flags ?? 0) & ~LOADING;
      state.original = { ...state.original, ...body, flags, edited_timestamp: new Date().toISOString() };
    }
    return [200, state.original];
  }

  private message(channelId: string, data: JsonObject, webhook = true): JsonObject {
    return {
      id: snowflake(),
      type: webhook ? 20 : 0,
      channel_id: channelId,
      author: this.botUser,
      content: '',
      embeds: [],
      components: [],
      attachments: [],
      mentions: [],
      mention_roles: [],
      mention_everyone: false,
      pinned: false,
      tts: false,
      flags: 0,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      ...(webhook ? { webhook_id: this.applicationId, application_id: this.applicationId } : {}),
      ...data,
    };
  }

  // ── Gateway ─────────────────────────────────────────────────────────────────────────────

  /** Resolves once `count` shards have identified and received READY. */
  async waitForReadyShards(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.sessions].filter((s) => s.ready).length < count) {
      if (Date.now() > deadline) throw new Error(`Only ${[...this.sessions].filter((s) => s.ready).length} of ${count} shards became ready`);
      await new Promise<void>((resolve) => {
        this.gatewayWaiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** Resolves once the gateway has acknowledged `count` heartbeats. */
  async waitForHeartbeats(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.heartbeats < count) {
      if (Date.now() > deadline) throw new Error(`Only ${this.heartbeats} of ${count} heartbeats arrived`);
      await new Promise<void>((resolve) => {
        this.gatewayWaiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  get readyShards(): [number, number][] {
    return [...this.sessions].filter((s) => s.ready && s.shard).map((s) => s.shard!);
  }

  private onSocket(socket: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams;
    if (query.get('encoding') !== 'json' || query.get('v') !== '10') {
      socket.close(4012, 'Invalid API version or encoding');
      return;
    }
    const session: GatewaySession = { socket, query, shard: null, sessionId: randomBytes(16).toString('hex'), seq: 0, ready: false };
    this.sessions.add(session);
    socket.on('message', (data) => this.onGatewayMessage(session, data.toString()));
    socket.on('close', (code) => {
      this.sessions.delete(session);
      this.gatewayCloses.push({ code, shard: session.shard });
    });
    this.sendOp(session, OP.Hello, { heartbeat_interval: this.options.heartbeatIntervalMs, _trace: ['["fake-gateway",{"micros":0}]'] });
  }

  private onGatewayMessage(session: GatewaySession, text: string): void {
    let payload: { op: number; d: JsonObject | number | null };
    try {
      payload = JSON.parse(text) as typeof payload;
    } catch {
      session.socket.close(4002, 'Error while decoding payload.');
      return;
    }
    switch (payload.op) {
      case OP.Heartbeat:
        this.heartbeats++;
        this.sendOp(session, OP.HeartbeatAck, null);
        for (const wake of this.gatewayWaiters.splice(0)) wake();
        return;
      case OP.Identify:
        this.identify(session, payload.d as JsonObject);
        return;
      case OP.Resume:
        // This fake keeps no sessions across connections: Discord says "identify again".
        this.sendOp(session, OP.InvalidSession, false);
        return;
      default:
        return;
    }
  }

  private identify(session: GatewaySession, d: JsonObject): void {
    if (d.token !== this.token) {
      session.socket.close(4004, 'Authentication failed.');
      return;
    }
    const shard = (d.shard as [number, number] | undefined) ?? [0, 1];
    if (shard[0] >= shard[1]) {
      session.socket.close(4010, 'Invalid shard.');
      return;
    }
    this.identifies.push({ shard, intents: Number(d.intents), compress: d.compress as boolean | undefined, properties: d.properties as JsonObject, query: session.query });
    session.shard = shard;
    const mine = this.guilds.filter((g) => shardOf(g.id, shard[1]) === shard[0]);
    const ready = fixture('ready');
    this.dispatch(session, 'READY', {
      ...ready,
      user: this.botUser,
      session_id: session.sessionId,
      resume_gateway_url: this.gatewayUrl,
      guilds: mine.map((g) => ({ id: g.id, unavailable: true })),
      application: { id: this.applicationId, flags: 8953856 },
      shard,
    });
    session.ready = true;
    for (const guild of mine) this.dispatch(session, 'GUILD_CREATE', this.guildCreate(guild));
    for (const wake of this.gatewayWaiters.splice(0)) wake();
  }

  private sendOp(session: GatewaySession, op: number, d: Json): void {
    session.socket.send(JSON.stringify({ op, d, s: null, t: null }));
  }

  private dispatch(session: GatewaySession, t: string, d: JsonObject): void {
    session.seq += 1;
    session.socket.send(JSON.stringify({ op: OP.Dispatch, t, s: session.seq, d }));
  }

  /**
   * Sends INTERACTION_CREATE on the shard that owns the interaction's guild (shard 0 for DMs),
   * as Discord does, and remembers it so its callback and webhook calls can be answered.
   */
  sendInteraction(payload: JsonObject, options: { expired?: boolean; everySession?: boolean } = {}): { id: string; token: string; shard: number } {
    const guildId = payload.guild_id as string | undefined;
    const ready = [...this.sessions].filter((s) => s.ready && s.shard);
    const owns = (s: GatewaySession) => (guildId ? shardOf(guildId, s.shard![1]) === s.shard![0] : s.shard![0] === 0);
    const session = ready.find(owns);
    if (!session) throw new Error(`No ready shard for guild ${guildId ?? '(DM)'}`);
    const channelId = String((payload.channel as JsonObject | undefined)?.id ?? payload.channel_id);
    // An expired interaction is unknown to the REST API, as after Discord's 3 s window.
    if (!options.expired) this.interactions.set(String(payload.token), { payload, acknowledged: false, original: null, channelId });
    // `everySession`: two connections identified as the same shard both get the event (two
    // processes on one shard, as during a rolling restart).
    for (const target of options.everySession ? ready.filter(owns) : [session]) this.dispatch(target, 'INTERACTION_CREATE', payload);
    return { id: String(payload.id), token: String(payload.token), shard: session.shard![0] };
  }

  /** Sends any raw dispatch on a shard (for malformed-event tests). */
  sendRawDispatch(shard: number, t: string, d: JsonObject): void {
    const session = [...this.sessions].find((s) => s.ready && s.shard?.[0] === shard);
    if (!session) throw new Error(`No ready shard ${shard}`);
    this.dispatch(session, t, d);
  }

  /** Changes a role and tells the shard that owns its guild (GUILD_ROLE_UPDATE), as Discord does. */
  updateRole(guild: FakeGuild, roleId: string, patch: Partial<Omit<FakeRole, 'id'>>): void {
    const index = guild.roles.findIndex((r) => r.id === roleId);
    if (index < 0) throw new Error(`No role ${roleId} in ${guild.name}`);
    Object.assign(guild.roles[index]!, patch);
    const created = this.guildCreate(guild);
    const role = (created.roles as JsonObject[]).find((r) => r.id === roleId)!;
    for (const session of this.sessions) {
      if (session.ready && session.shard && shardOf(guild.id, session.shard[1]) === session.shard[0]) this.dispatch(session, 'GUILD_ROLE_UPDATE', { guild_id: guild.id, role });
    }
  }

  /** Roles a member holds now, as the bot's role changes left them. */
  rolesOf(guildId: string, userId: string): Set<string> {
    return this.memberRoles.get(`${guildId}:${userId}`) ?? new Set<string>();
  }

  /** A channel the bot may post to, besides each guild's own. */
  addChannel(): string {
    const id = snowflake();
    this.channels.add(id);
    return id;
  }
}

/**
 * A message's `attachments` as Discord stores them: each uploaded file with an id, its size
 * and a CDN address, matched to the request's attachment entries (by `files[n]` id) for
 * descriptions.
 */
function withAttachments(data: JsonObject, files: RecordedFile[]): JsonObject {
  if (files.length === 0) return data;
  const declared = Array.isArray(data.attachments) ? (data.attachments as JsonObject[]) : [];
  const attachments = files.map((file) => {
    const index = file.field.slice('files['.length, -1);
    const entry = declared.find((a) => String(a.id) === index);
    const id = snowflake();
    return {
      id,
      filename: file.name,
      size: file.bytes.byteLength,
      content_type: file.contentType,
      url: `https://cdn.discordapp.test/attachments/${id}/${encodeURIComponent(file.name)}`,
      proxy_url: `https://media.discordapp.test/attachments/${id}/${encodeURIComponent(file.name)}`,
      ...(entry?.description !== undefined ? { description: entry.description } : {}),
    };
  });
  return { ...data, attachments };
}

function send(res: ServerResponse, status: number, body: Json): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Which path segments are ids or tokens (so routes can be matched by shape). */
function isRouteParam(parts: string[], i: number): boolean {
  const prev = parts[i - 1];
  const part = parts[i]!;
  if (part === '@me' || part === '@original') return false;
  if (prev === 'applications' || prev === 'guilds' || prev === 'channels' || prev === 'members' || prev === 'roles') return true;
  if (parts[0] === 'interactions' && (i === 1 || i === 2)) return true;
  if (parts[0] === 'webhooks' && (i === 1 || i === 2)) return true;
  return false;
}
