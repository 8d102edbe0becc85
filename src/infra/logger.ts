import pino from 'pino';
import type { Logger } from '../ports/logger.ts';
import { scrubSecrets, SECRET_VARIABLES } from './scrub-secrets.ts';

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
  ...SECRET_VARIABLES.map((name) => `config.${name}`),
];

export interface LoggerOptions {
  level: string;
  /** Where logs go; the console adapter keeps stdout for replies, so logs go to stderr. */
  destination?: pino.DestinationStream;
  /**
   * The configured secrets in every printable form (see secretForms). Path redaction cannot
   * see a token inside an error message or a library's debug text; these are replaced in every
   * line before it is written.
   */
  secrets?: readonly string[];
  /**
   * `json` (pino's lines, for log collectors) or `plain`: one short human line each, for a
   * console whose terminal shows the logs beside the replies.
   */
  format?: 'json' | 'plain';
}

export function createLogger(options: LoggerOptions): Logger {
  const destination = options.destination ?? pino.destination({ fd: 2, sync: true });
  const secrets = options.secrets ?? [];
  const shape = options.format === 'plain' ? plainLine : (line: string) => line;
  return pino(
    { level: options.level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'syllabot' } },
    secrets.length > 0 || options.format === 'plain' ? { write: (line: string) => destination.write(scrubSecrets(shape(line), secrets)) } : destination,
  );
}

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };
const NOT_CONTEXT = new Set(['level', 'time', 'pid', 'hostname', 'app', 'msg', 'err']);

/** `syllabot warning: lost Redis: … (redis=redis://127.0.0.1:6379/)` from one pino JSON line. */
function plainLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const level = LEVEL_NAMES[Number(record.level)] ?? 'log';
  const err = record.err as { message?: unknown } | undefined;
  const cause = typeof err?.message === 'string' ? `: ${err.message}` : '';
  const context = Object.entries(record)
    .filter(([key]) => !NOT_CONTEXT.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  return `syllabot ${level}: ${String(record.msg ?? '')}${cause}${context.length > 0 ? ` (${context.join(', ')})` : ''}\n`;
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
