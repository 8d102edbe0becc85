import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { RespondArguments } from '@slack/bolt';

/** Posts an answer to one request's response_url. */
export type Respond = (message: RespondArguments) => Promise<void>;

/** Slack answers a good post with `ok`; anything longer is an error text worth a few words. */
const ERROR_TEXT_CHARS = 200;

/**
 * Answers to response_url: one JSON POST each, as Bolt's `respond()` sends them, over
 * keep-alive connections of the adapter's own. Bolt's `respond()` goes through axios, which
 * for a one-line POST merges configs, runs transformers and wraps the request for redirects:
 * under load that was about a fifth of the bot thread's time per slash command (bench part 4,
 * `bench/profile-slack.ts`). Slack's response_url never redirects; a post it refuses
 * (`expired_url`, `used_url`, invalid blocks) fails with its status and text, as axios did.
 */
export class ResponseUrls {
  private readonly http = new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  private readonly https = new HttpsAgent({ keepAlive: true, scheduling: 'lifo' });

  constructor(private readonly timeoutMs = 10_000) {}

  /** The respond function for one request, or undefined when it came without a response_url. */
  for(url: string | undefined): Respond | undefined {
    if (!url) return undefined;
    return (message) => this.post(url, message);
  }

  async post(url: string, message: RespondArguments): Promise<void> {
    const body = JSON.stringify(message);
    try {
      await this.once(url, body);
    } catch (error) {
      // A kept-alive connection the other end closed as we reused it: nothing reached Slack,
      // so the post goes again once, on a fresh connection (Node's documented pattern).
      if (!(error instanceof StaleConnectionError)) throw error;
      await this.once(url, body);
    }
  }

  /** Closes the idle connections (on stop). */
  close(): void {
    this.http.destroy();
    this.https.destroy();
  }

  private once(url: string, body: string): Promise<void> {
    const secure = url.startsWith('https:');
    if (!secure && !url.startsWith('http:')) return Promise.reject(new Error(`response_url is not an http(s) URL: ${url.slice(0, 100)}`));
    return new Promise<void>((resolve, reject) => {
      let answered = false;
      const options = {
        method: 'POST',
        agent: secure ? this.https : this.http,
        timeout: this.timeoutMs,
        headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) },
      };
      const onResponse = (res: IncomingMessage) => {
        answered = true;
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // The body (`ok`) says nothing more; reading it frees the connection for the next post.
          res.resume();
          res.on('end', resolve);
          res.on('error', reject);
          return;
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (text.length < ERROR_TEXT_CHARS) text += chunk;
        });
        res.on('end', () => reject(new Error(`response_url answered HTTP ${status}: ${text.slice(0, ERROR_TEXT_CHARS)}`)));
        res.on('error', reject);
      };
      const req: ClientRequest = secure ? httpsRequest(url, options, onResponse) : httpRequest(url, options, onResponse);
      req.on('timeout', () => req.destroy(new Error(`response_url did not answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => reject(!answered && req.reusedSocket && isReset(error) ? new StaleConnectionError(error) : error));
      req.end(body);
    });
  }
}

class StaleConnectionError extends Error {
  constructor(cause: Error) {
    super(cause.message, { cause });
  }
}

function isReset(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
