import { format } from 'node:util';
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../../src/ports/logger.ts';

const SEVERITY: Record<LogLevel, number> = { [LogLevel.DEBUG]: 0, [LogLevel.INFO]: 1, [LogLevel.WARN]: 2, [LogLevel.ERROR]: 3 };

/** Bolt's level for a pino level name (LOG_LEVEL). */
export function boltLevel(level: string): LogLevel {
  if (level === 'trace' || level === 'debug') return LogLevel.DEBUG;
  if (level === 'info') return LogLevel.INFO;
  if (level === 'warn') return LogLevel.WARN;
  return LogLevel.ERROR;
}

/**
 * Slack tokens (`xoxb-…`, `xapp-…`) and `"token":"…"` fields blanked in Bolt's text lines: at
 * debug level the Socket Mode client logs whole payloads, which pino's path redaction cannot
 * see inside a message string.
 */
export function scrub(line: string): string {
  return line.replace(/\bxox[a-z]-[A-Za-z0-9-]+/g, '[redacted]').replace(/\bxapp-[A-Za-z0-9-]+/g, '[redacted]').replace(/("token"\s*:\s*")[^"]*"/g, '$1[redacted]"');
}

/**
 * Bolt, its receivers and its Web API clients log through the process's pino logger, so their
 * lines are JSON like ours and pass through the same redaction. (Bolt's WebClient redacts tokens
 * itself; we never turn on Bolt's developer mode, which would log whole request bodies.)
 */
export function boltLogger(logger: Logger, initial: LogLevel): BoltLogger {
  let level = initial;
  let log = logger.child({ component: 'bolt' });
  const emit = (at: LogLevel, write: (obj: object, msg?: string) => void, parts: unknown[]) => {
    if (SEVERITY[at] < SEVERITY[level]) return;
    const err = parts.find((p): p is Error => p instanceof Error);
    write(err ? { err } : {}, scrub(format(...parts.filter((p) => p !== err))));
  };
  return {
    debug: (...parts: unknown[]) => emit(LogLevel.DEBUG, (o, m) => log.debug(o, m), parts),
    info: (...parts: unknown[]) => emit(LogLevel.INFO, (o, m) => log.info(o, m), parts),
    warn: (...parts: unknown[]) => emit(LogLevel.WARN, (o, m) => log.warn(o, m), parts),
    error: (...parts: unknown[]) => emit(LogLevel.ERROR, (o, m) => log.error(o, m), parts),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: (name: string) => {
      log = logger.child({ component: name });
    },
  };
}
