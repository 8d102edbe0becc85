import { createHmac, randomBytes } from 'node:crypto';
import { request } from 'node:http';

/**
 * Requests signed exactly as Slack signs them (docs.slack.dev/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=` + hex HMAC-SHA256 of `v0:${timestamp}:${rawBody}` with the signing
 * secret, and `X-Slack-Request-Timestamp` in Unix seconds. Slash commands are form-encoded,
 * interactions are a form with one `payload` field of JSON, events are JSON.
 */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SendOptions {
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Sign with this secret instead (a forger's). */
  secret?: string;
  /** Sign this body but send the other one (a request tampered with on the way). */
  signedBody?: string;
  /** Slack's retry headers. */
  retryNum?: number;
  retryReason?: string;
}

export interface AppResponse {
  status: number;
  text: string;
  json: unknown;
}

export interface SlackTeam {
  id: string;
  domain: string;
}

let sequence = 0;
/** A fresh trigger id, as Slack gives one per invocation. */
export function triggerId(): string {
  return `${++sequence}.${randomBytes(4).readUInt32BE()}.${randomBytes(8).toString('hex')}`;
}

export class SignedSlackClient {
  constructor(
    /** http://127.0.0.1:<port>/slack/events */
    readonly url: string,
    private readonly secret: string,
    readonly team: SlackTeam,
  ) {}

  /** The form Slack posts for a slash command. */
  commandBody(fields: { command: string; text: string; userId: string; userName?: string; channelId?: string; responseUrl: string; triggerId?: string }): string {
    return new URLSearchParams({
      token: 'verification-token-unused',
      team_id: this.team.id,
      team_domain: this.team.domain,
      channel_id: fields.channelId ?? 'C0GENERAL',
      channel_name: 'general',
      user_id: fields.userId,
      user_name: fields.userName ?? fields.userId.toLowerCase(),
      command: fields.command,
      text: fields.text,
      api_app_id: 'A0SYLLABOT',
      is_enterprise_install: 'false',
      response_url: fields.responseUrl,
      trigger_id: fields.triggerId ?? triggerId(),
    }).toString();
  }

  /** A block_actions payload for a click on a button. */
  buttonClickBody(fields: {
    userId: string;
    actionId: string;
    value: string;
    responseUrl?: string;
    channelId?: string;
    ephemeral?: boolean;
    triggerId?: string;
    fromHome?: boolean;
  }): string {
    const payload = {
      type: 'block_actions',
      user: { id: fields.userId, username: fields.userId.toLowerCase(), name: fields.userId.toLowerCase(), team_id: this.team.id },
      api_app_id: 'A0SYLLABOT',
      token: 'verification-token-unused',
      container: fields.fromHome
        ? { type: 'view', view_id: 'VHOME' }
        : { type: 'message', message_ts: '1700000000.000100', channel_id: fields.channelId ?? 'C0GENERAL', is_ephemeral: fields.ephemeral ?? false },
      trigger_id: fields.triggerId ?? triggerId(),
      team: { id: this.team.id, domain: this.team.domain },
      enterprise: null,
      is_enterprise_install: false,
      ...(fields.fromHome ? { view: { id: 'VHOME', type: 'home', blocks: [], state: { values: {} } } } : { channel: { id: fields.channelId ?? 'C0GENERAL', name: 'general' } }),
      ...(fields.responseUrl ? { response_url: fields.responseUrl } : {}),
      actions: [{ type: 'button', action_id: fields.actionId, block_id: 'b1', value: fields.value, text: { type: 'plain_text', text: 'x' }, action_ts: '1700000000.1' }],
    };
    return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }

  /** A view_submission payload: `values` are the text inputs by block id (option name). */
  viewSubmissionBody(fields: { userId: string; view: Record<string, unknown>; values: Record<string, string | null>; triggerId?: string }): string {
    const state = { values: Object.fromEntries(Object.entries(fields.values).map(([block, value]) => [block, { value: { type: 'plain_text_input', value } }])) };
    const payload = {
      type: 'view_submission',
      team: { id: this.team.id, domain: this.team.domain },
      user: { id: fields.userId, username: fields.userId.toLowerCase(), name: fields.userId.toLowerCase(), team_id: this.team.id },
      api_app_id: 'A0SYLLABOT',
      token: 'verification-token-unused',
      trigger_id: fields.triggerId ?? triggerId(),
      view: { id: 'VMODAL', team_id: this.team.id, app_id: 'A0SYLLABOT', bot_id: 'BBOT00001', hash: 'h', ...fields.view, state },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    };
    return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }

  /** An Events API envelope. */
  eventBody(event: Record<string, unknown>, eventId: string): string {
    return JSON.stringify({
      token: 'verification-token-unused',
      team_id: this.team.id,
      api_app_id: 'A0SYLLABOT',
      event,
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.team.id, user_id: 'UBOT00001', is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
    });
  }

  sendForm(body: string, options: SendOptions = {}): Promise<AppResponse> {
    return this.send(body, 'application/x-www-form-urlencoded', options);
  }

  sendJson(body: string, options: SendOptions = {}): Promise<AppResponse> {
    return this.send(body, 'application/json', options);
  }

  send(body: string, contentType: string, options: SendOptions = {}): Promise<AppResponse> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(body)),
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': slackSignature(options.secret ?? this.secret, timestamp, options.signedBody ?? body),
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (options.retryNum !== undefined) headers['x-slack-retry-num'] = String(options.retryNum);
    if (options.retryReason !== undefined) headers['x-slack-retry-reason'] = options.retryReason;
    return new Promise((resolve, reject) => {
      const req = request(this.url, { method: 'POST', headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}
