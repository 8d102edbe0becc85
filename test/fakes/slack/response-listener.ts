import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitProblems } from './block-kit.ts';
import { readBody } from './web-api.ts';

export interface RecordedResponse {
  /** The response_url path the post went to (one per request under test). */
  path: string;
  body: Record<string, unknown>;
  problems: string[];
}

/**
 * Stands in for Slack's response_url endpoints: records each post to a response_url (JSON, as the adapter and Bolt send them)
 * and answers like Slack does (200 `ok`).
 */
export class ResponseListener {
  readonly posts: RecordedResponse[] = [];
  private next = 0;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<ResponseListener> {
    const server = createServer();
    const listener = new ResponseListener(server);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void readBody(req).then((raw) => {
        const body = JSON.parse(raw || '{}') as Record<string, unknown>;
        const problems = body.blocks === undefined ? [] : blockKitProblems(body.blocks, 'message');
        listener.posts.push({ path: req.url ?? '', body, problems });
        res.writeHead(problems.length > 0 ? 400 : 200, { 'content-type': 'text/plain' });
        res.end(problems.length > 0 ? 'invalid_blocks' : 'ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return listener;
  }

  /** A fresh response_url for one request. */
  newUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/respond/${++this.next}`;
  }

  postsTo(url: string): RecordedResponse[] {
    const path = new URL(url).pathname;
    return this.posts.filter((p) => p.path === path);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
