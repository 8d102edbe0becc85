import type { Logger } from '../../src/ports/logger.ts';

/**
 * A silent Logger that counts warnings and errors (and keeps the first few messages), so a
 * benchmark notices when the code under test failed quietly instead of timing its failures.
 */
export interface CountingLogger extends Logger {
  readonly counts: { warn: number; error: number };
  readonly samples: string[];
}

export function countingLogger(keep = 5): CountingLogger {
  const counts = { warn: 0, error: 0 };
  const samples: string[] = [];
  const note = (level: 'warn' | 'error') => (obj: object, msg?: string) => {
    counts[level]++;
    if (samples.length < keep) samples.push(`${level}: ${msg ?? ''} ${safeJson(obj)}`.trim());
  };
  const logger: CountingLogger = {
    counts,
    samples,
    trace() {},
    debug() {},
    info() {},
    warn: note('warn'),
    error: note('error'),
    child: () => logger,
  };
  return logger;
}

function safeJson(obj: object): string {
  try {
    return JSON.stringify(obj, (_key, value: unknown) => (value instanceof Error ? value.message : value)).slice(0, 300);
  } catch {
    return '';
  }
}
