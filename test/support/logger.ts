import type { Logger } from '../../src/ports/logger.ts';

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  /** The fields logged, with the bindings of the child loggers it came through. */
  obj: Record<string, unknown>;
  /** The message; '' when none was given. */
  msg: string;
}

/**
 * A Logger that keeps every line, so tests can find an error id, check what jobs logged or that
 * no secret was written. Children share the parent's entries and add their bindings.
 */
export class RecordingLogger implements Logger {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly bindings: Record<string, unknown> = {},
  ) {}

  private add(level: LogEntry['level'], obj: object, msg = ''): void {
    this.entries.push({ level, obj: { ...this.bindings, ...(obj as Record<string, unknown>) }, msg });
  }
  trace(obj: object, msg?: string): void {
    this.add('trace', obj, msg);
  }
  debug(obj: object, msg?: string): void {
    this.add('debug', obj, msg);
  }
  info(obj: object, msg?: string): void {
    this.add('info', obj, msg);
  }
  warn(obj: object, msg?: string): void {
    this.add('warn', obj, msg);
  }
  error(obj: object, msg?: string): void {
    this.add('error', obj, msg);
  }
  child(bindings: Record<string, unknown>): RecordingLogger {
    return new RecordingLogger(this.entries, { ...this.bindings, ...bindings });
  }

  /** The messages logged, at one level or all. */
  messages(level?: LogEntry['level']): string[] {
    return this.entries.filter((e) => !level || e.level === level).map((e) => e.msg);
  }

  errors(): LogEntry[] {
    return this.entries.filter((e) => e.level === 'error');
  }
}
