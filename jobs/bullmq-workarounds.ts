import type { EventEmitter } from 'node:events';
import type { Queue, Worker } from 'bullmq';

/*
 * Two BullMQ 5 races around closing, both reachable when a process stops soon after it started
 * or while Redis is away. Each reaches a non-public field, so both live here, in one place to
 * revisit when BullMQ fixes them.
 */

/**
 * Closing a Queue or Worker whose connection is still initialising removes every listener from
 * that connection; when the initialisation then fails ("Connection is closed"), BullMQ emits
 * `error` on it with no listener, which throws inside a promise: an unhandled rejection, which
 * stops a Node process. A listener added after close absorbs it.
 */
export function absorbLateConnectionErrors(closed: Queue | Worker): void {
  const internals = closed as unknown as { connection?: EventEmitter; blockingConnection?: EventEmitter };
  for (const connection of [internals.connection, internals.blockingConnection]) {
    if (connection && connection.listenerCount('error') === 0) connection.on('error', () => undefined);
  }
}

/**
 * A worker closed while its stalled-job check is in flight (for instance waiting for Redis on a
 * shared connection) arms one more check timer (stalledInterval, 30 s by default) once that
 * check fails, which keeps the process alive that long. Calling the worker's own stopper after
 * its connections are gone and the check has settled releases the timer.
 */
export async function releaseStalledTimer(worker: Worker): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  (worker as unknown as { stalledCheckStopper?: () => void }).stalledCheckStopper?.();
}
