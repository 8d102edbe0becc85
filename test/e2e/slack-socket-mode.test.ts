import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCore, type TestCore } from '../support/core.ts';
import { loadConfig } from '../../src/composition/config.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import { createSlackAdapter, type SlackAdapter } from '../../adapters/slack/index.ts';
import { FakeSlackWebApi } from '../fakes/slack/web-api.ts';
import { ResponseListener } from '../fakes/slack/response-listener.ts';
import { BOT_TOKEN, TEAM, USERS } from '../fakes/slack/harness.ts';
import { headerText } from '../fakes/slack/blocks.ts';
import { slackAdapterConfig } from '../../src/composition/adapter-config.ts';

/**
 * Socket Mode: instead of Slack posting to us, we open a WebSocket (URL from
 * apps.connections.open, called with the app-level token) and Slack sends envelopes down it,
 * each acknowledged by its envelope id. A local WebSocket server plays Slack's side.
 */
const APP_TOKEN = 'xapp-1-fake-app-level-token';

interface Envelope {
  envelope_id: string;
  payload?: unknown;
}

let core: TestCore;
let fake: FakeSlackWebApi;
let responses: ResponseListener;
let wss: WebSocketServer;
let adapter: SlackAdapter;
const sockets: WebSocket[] = [];
const acks: Envelope[] = [];
let closed = 0;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data: Buffer) => acks.push(JSON.parse(data.toString()) as Envelope));
    socket.on('close', () => closed++);
    socket.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0SYLLABOT' }, debug_info: { host: 'fake' } }));
  });
  fake = await FakeSlackWebApi.start({
    botToken: BOT_TOKEN,
    team: { id: TEAM.id, name: TEAM.name },
    users: Object.values(USERS).map((u) => ({ ...u })),
    appToken: APP_TOKEN,
    socketUrl: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/link`,
  });
  responses = await ResponseListener.start();
  core = createTestCore();
  // No signing secret: Socket Mode needs none (Slack authenticates the socket by the app token).
  const config = loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: fake.url, LOG_LEVEL: 'silent' });
  adapter = createSlackAdapter(slackAdapterConfig({ core, config, logger: silentLogger }));
  await adapter.start();
});

afterAll(async () => {
  await adapter?.stop();
  await new Promise<void>((resolve) => wss.close(() => resolve()));
  await fake.close();
  await responses.close();
  await core?.dispose();
});

async function untilAcked(envelopeId: string): Promise<Envelope> {
  for (;;) {
    const ack = acks.find((a) => a.envelope_id === envelopeId);
    if (ack) return ack;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('Slack adapter in Socket Mode', () => {
  it('given SLACK_APP_TOKEN, when started, then it opens the socket and serves no HTTP port', () => {
    expect(fake.callsTo('apps.connections.open').map((c) => c.token)).toEqual([APP_TOKEN]);
    expect(sockets).toHaveLength(1);
    expect(adapter.port()).toBeUndefined();
    expect(adapter.health()).toEqual({ ok: true, detail: 'socket mode: connected' });
  });

  it('given a slash command on the socket, then it is acked by envelope id and answered via response_url', async () => {
    const url = responses.newUrl();
    const payload = {
      token: 'verification-token-unused',
      team_id: TEAM.id,
      team_domain: TEAM.domain,
      channel_id: 'C0GENERAL',
      channel_name: 'general',
      user_id: USERS.admin.id,
      user_name: 'ada',
      command: '/course',
      text: 'add title:"Over the socket"',
      api_app_id: 'A0SYLLABOT',
      response_url: url,
      trigger_id: '1.2.socket',
    };
    sockets[0]!.send(JSON.stringify({ envelope_id: 'env-1', type: 'slash_commands', accepts_response_payload: true, payload }));
    expect(await untilAcked('env-1')).toEqual({ envelope_id: 'env-1', payload: {} });
    await adapter.whenIdle();
    expect(headerText(responses.postsTo(url)[0]?.body)).toBe('✅ Added #1 Over the socket.');
    const community = await core.sqlite.findCommunity({ platform: 'slack', externalId: TEAM.id });
    expect((await core.sqlite.getCourseByNumber(community!.id, 1))?.title).toBe('Over the socket');
  });

  it('given the adapter stops, then it closes the socket', async () => {
    await adapter.stop();
    for (;;) {
      if (closed === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(closed).toBe(1);
    expect(adapter.health().ok).toBe(false);
  });
});
