import pino from 'pino';
import type { Logger } from '../ports/logger.ts';

/**
 * Paths pino blanks out wherever they appear in a log object. Tokens also never get logged
 * on purpose; this is the net under that rule.
 */
export const REDACT_PATHS = [
  'token',
  'botToken',
  'appToken',
  'signingSecret',
  'clientSecret',
  'stateSecret',
  'encryptionKey',
  'password',
  'authorization',
  '*.token',
  '*.botToken',
  '*.appToken',
  '*.signingSecret',
  '*.clientSecret',
  '*.stateSecret',
  '*.encryptionKey',
  '*.password',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'config.DISCORD_TOKEN',
  'config.SLACK_BOT_TOKEN',
  'config.SLACK_SIGNING_SECRET',
  'config.SLACK_APP_TOKEN',
  'config.SLACK_CLIENT_SECRET',
  'config.SLACK_STATE_SECRET',
  'config.SYLLABOT_ENCRYPTION_KEY',
  'config.MONGODB_URI',
];

export interface LoggerOptions {
  level: string;
  /** Where logs go; the console adapter keeps stdout for replies, so logs go to stderr. */
  destination?: pino.DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    { level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'syllabot' } },
    options.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}

/** `mongodb://user:pass@host/db` → `mongodb://host/db`, for start-up logs and errors. */
export function describeUrl(raw: string): string {
  try {
    const url = new URL(raw);
    url.username = '';
    url.password = '';
    url.search = '';
    return url.toString();
  } catch {
    return '(unparseable URL)';
  }
}
