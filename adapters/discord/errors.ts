import { DiscordAPIError, HTTPError } from 'discord.js';

/** Interaction and webhook tokens travel in the URL path; they must not reach the logs. */
export function redactTokens(url: string): string {
  return url.replace(/\/(interactions|webhooks)\/(\d+)\/[^/?]+/g, '/$1/$2/[token]');
}

/**
 * A REST error as logs should see it: what failed and why, without the interaction token in
 * its URL or the member text in its request body. Other errors pass through unchanged.
 */
export function loggableError(error: unknown): unknown {
  if (error instanceof DiscordAPIError || error instanceof HTTPError) {
    return {
      type: error.name,
      message: error.message,
      status: error.status,
      method: error.method,
      url: redactTokens(error.url),
      ...(error instanceof DiscordAPIError ? { code: error.code } : {}),
      stack: error.stack?.split('\n').slice(1).join('\n'),
    };
  }
  return error;
}
