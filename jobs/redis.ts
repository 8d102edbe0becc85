import { Redis } from 'ioredis';
import type { Logger } from '../src/ports/logger.ts';

/** How long a closing socket may linger (ioredis waits 2 s by default, delaying exit). */
const SOCKET_CLOSE_MS = 300;

/** Reconnect forever, backing off to `maxDelayMs`: Redis coming back must resume the jobs. */
function backoff(maxDelayMs: number): (attempt: number) => number {
  return (attempt) => Math.min(100 * 2 ** Math.min(attempt, 10), maxDelayMs);
}

/**
 * The connection commands schedule through. Without an offline queue a command issued while
 * Redis is away fails at once instead of waiting for it, so no member's command ever hangs on
 * the queue.
 */
export function producerConnection(url: string, maxDelayMs: number): Redis {
  return new Redis(url, {
    connectionName: 'syllabot-producer',
    disconnectTimeout: SOCKET_CLOSE_MS,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: backoff(maxDelayMs),
  });
}

/**
 * The connection workers run on. BullMQ requires `maxRetriesPerRequest: null` here: blocking
 * reads and job bookkeeping wait for Redis to come back instead of failing the job.
 */
export function workerConnection(url: string, maxDelayMs: number): Redis {
  return new Redis(url, {
    connectionName: 'syllabot-worker',
    disconnectTimeout: SOCKET_CLOSE_MS,
    maxRetriesPerRequest: null,
    retryStrategy: backoff(maxDelayMs),
  });
}

export interface RedisHealthEvents {
  /** Redis answers again; `downSince` is when it stopped answering (or when we started waiting). */
  up(downSince: Date): void;
  down(): void;
}

/**
 * Watches the producer connection and turns its churn into two states. Each change is logged
 * once, not every reconnect attempt, and reported so the bot can say in /help that reminders
 * and digests are paused.
 */
export class RedisHealth {
  private current: 'up' | 'down' = 'down';
  private downSince: Date;
  private everUp = false;
  private warned = false;
  private stopped = false;
  private upCount = 0;

  constructor(
    client: Redis,
    private readonly target: string,
    private readonly logger: Logger,
    private readonly now: () => Date,
    private readonly events: RedisHealthEvents,
  ) {
    this.downSince = now();
    client.on('ready', () => this.markUp());
    client.on('close', () => this.markDown());
    client.on('error', (err: Error) => this.onError(err));
  }

  /** How many times Redis became reachable: work begun under one connection can tell it was cut. */
  get connections(): number {
    return this.upCount;
  }

  get state(): 'up' | 'down' {
    return this.current;
  }

  /** Stops reporting: closing our own connections is not an outage. */
  stop(): void {
    this.stopped = true;
  }

  private markUp(): void {
    if (this.stopped || this.current === 'up') return;
    this.current = 'up';
    this.upCount++;
    this.warned = false;
    this.logger.info({ redis: this.target }, this.everUp ? 'Redis is back: reminders and digests resume' : 'connected to Redis: reminders and digests run');
    this.everUp = true;
    this.events.up(this.downSince);
  }

  private markDown(): void {
    if (this.stopped || this.current === 'down') return;
    this.current = 'down';
    this.downSince = this.now();
    this.logger.warn({ redis: this.target }, 'lost Redis: reminders and digests are paused until it is back; commands still work');
    this.warned = true;
    this.events.down();
  }

  private onError(err: Error): void {
    if (this.stopped) return;
    if (this.current === 'down' && !this.warned) {
      this.warned = true;
      this.logger.warn({ redis: this.target, err }, 'Redis is unreachable: reminders and digests are paused until it answers; commands still work');
      return;
    }
    this.logger.debug({ redis: this.target, err }, 'Redis connection error');
  }
}
