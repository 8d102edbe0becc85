import { DelayedError, type Job } from 'bullmq';
import type { DeliveryLog } from './delivery-log.ts';
import type { DroppedOutcome } from './dropped.ts';

export type DeliveryResult = 'sent' | 'duplicate';
/** What a delivering job returns (kept as its BullMQ return value): sent, sent before, or why not. */
export type DeliveryOutcome = DeliveryResult | `skipped:${string}` | DroppedOutcome;

export interface DeliverDeps {
  log: DeliveryLog;
  sendTimeoutMs: number;
}

/**
 * Sends once per delivery key across every worker: claim, call the platform, mark sent. When
 * another worker's claim is still live (it may be mid-send, or dead and not yet expired), the
 * job waits out that claim as a delayed job, which costs no retry attempt.
 */
export async function deliverOnce(job: Job, token: string | undefined, deliveryKey: string, deps: DeliverDeps, send: () => Promise<void>): Promise<DeliveryResult> {
  const owner = token ?? `${job.id}#${job.attemptsStarted}`;
  const claim = await deps.log.claim(deliveryKey, owner);
  if (claim.kind === 'sent') return 'duplicate';
  if (claim.kind === 'busy') {
    if (!token) throw new Error(`delivery ${deliveryKey} is claimed by another worker`);
    await job.moveToDelayed(Date.now() + claim.retryInMs + 10, token);
    throw new DelayedError();
  }
  const sending = send();
  try {
    await withTimeout(sending, deps.sendTimeoutMs, `the platform did not answer within ${deps.sendTimeoutMs} ms`);
  } catch (error) {
    if (error instanceof TimeoutError) {
      // The call may still land. If it does, record it so the retry skips it; until then the
      // claim stands and the retry waits for it.
      sending.then(
        () => deps.log.markSent(deliveryKey),
        () => deps.log.release(deliveryKey, owner),
      ).catch(() => undefined);
    } else {
      await deps.log.release(deliveryKey, owner).catch(() => undefined);
    }
    throw error;
  }
  await deps.log.markSent(deliveryKey);
  return 'sent';
}

export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/** Rejects after `ms` without cancelling the work, which may still finish in the background. */
export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
