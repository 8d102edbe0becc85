import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseUrls } from '../../adapters/slack/response-url.ts';

interface Received {
  path: string;
  contentType: string | undefined;
  body: unknown;
  /** The nth request on its connection (1 = the first). */
  onConnection: number;
}

/** A response_url endpoint on 127.0.0.1 that keeps what arrives; `answer` decides each reply. */
async function endpoint(answer: (r: Received, req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: (path: string) => string; received: Received[] }> {
  const received: Received[] = [];
  const perSocket = new WeakMap<object, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const onConnection = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, onConnection);
      const r: Received = { path: req.url ?? '', contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown, onConnection };
      answer(r, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, url: (path) => `http://127.0.0.1:${port}${path}`, received };
}

const servers: Server[] = [];
const clients: ResponseUrls[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

function client(): ResponseUrls {
  const c = new ResponseUrls();
  clients.push(c);
  return c;
}

describe('response_url posts', () => {
  it('given two answers, then each arrives as JSON at its own URL, over one kept-alive connection', async () => {
    const ep = await endpoint((r, _req, res) => {
      ep.received.push(r);
      res.end('ok');
    });
    servers.push(ep.server);
    const urls = client();
    await urls.for(ep.url('/respond/1'))!({ response_type: 'ephemeral', text: 'first ✅ 中文' });
    await urls.for(ep.url('/respond/2'))!({ replace_original: true, text: 'second' });
    expect(ep.received.map((r) => [r.path, r.body, r.onConnection])).toEqual([
      ['/respond/1', { response_type: 'ephemeral', text: 'first ✅ 中文' }, 1],
      ['/respond/2', { replace_original: true, text: 'second' }, 2],
    ]);
    expect(ep.received[0]!.contentType).toMatch(/^application\/json/);
  });

  it('given Slack refuses the post (expired_url), then it fails with the status and Slack’s words', async () => {
    const ep = await endpoint((_r, _req, res) => {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('expired_url');
    });
    servers.push(ep.server);
    await expect(client().post(ep.url('/respond/9'), { text: 'late' })).rejects.toThrow('response_url answered HTTP 404: expired_url');
  });

  it('given a kept-alive connection dies before answering, then the post goes once more on a new one', async () => {
    // The second request on a connection is cut off unanswered, as when the other end closes an
    // idle connection just as it is reused.
    let cutOff = 0;
    const ep = await endpoint((r, req, res) => {
      if (r.onConnection > 1) {
        cutOff++;
        req.socket.destroy();
        return;
      }
      ep.received.push(r);
      res.end('ok');
    });
    servers.push(ep.server);
    const urls = client();
    await urls.post(ep.url('/respond/1'), { text: 'one' });
    await urls.post(ep.url('/respond/2'), { text: 'two' });
    expect(ep.received.map((r) => [r.path, r.onConnection])).toEqual([
      ['/respond/1', 1],
      ['/respond/2', 1],
    ]);
    expect(cutOff).toBe(1);
  });

  it('given a request without a response_url (a Home tab click), then there is nothing to respond to', () => {
    expect(client().for(undefined)).toBeUndefined();
    expect(client().for('')).toBeUndefined();
  });

  it('given a response_url that is not http(s), then nothing is sent and the post fails', async () => {
    await expect(client().post('file:///etc/passwd', { text: 'x' })).rejects.toThrow('response_url is not an http(s) URL');
  });
});
