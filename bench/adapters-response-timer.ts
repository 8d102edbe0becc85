import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { blockKitProblems } from '../test/fakes/slack/block-kit.ts';
import { readBody } from '../test/fakes/slack/web-api.ts';

/**
 * Slack's response_url endpoints, like test/fakes/slack/response-listener.ts (answers `ok`,
 * refuses invalid Block Kit with 400), but it says when each post arrived instead of keeping
 * it: the benchmark needs the moment, and 2,400 stored replies would only cost memory.
 * Request i answers to /respond/i.
 */
export class ResponseTimer {
  /** Called once the whole post has arrived, with its Block Kit problems (none, normally). */
  onPost: (index: number, at: number, problems: string[]) => void = () => undefined;

  private constructor(private readonly server: Server) {}

  static async start(): Promise<ResponseTimer> {
    const server = createServer();
    const timer = new ResponseTimer(server);
    server.on('request', (req, res) => {
      void readBody(req).then((raw) => {
        const at = performance.now();
        const index = Number(/^\/respond\/(\d+)$/.exec(req.url ?? '')?.[1] ?? Number.NaN);
        let problems: string[];
        try {
          const body = JSON.parse(raw || '{}') as { blocks?: unknown };
          problems = body.blocks === undefined ? [] : blockKitProblems(body.blocks, 'message');
        } catch {
          problems = ['the body is not JSON'];
        }
        res.writeHead(problems.length > 0 ? 400 : 200, { 'content-type': 'text/plain' });
        res.end(problems.length > 0 ? 'invalid_blocks' : 'ok');
        if (Number.isInteger(index)) timer.onPost(index, at, problems);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return timer;
  }

  urlFor(index: number): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/respond/${index}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
