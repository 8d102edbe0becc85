import { DelayedError, type Job } from 'bullmq';
import type { DeliveryTag, PostResult } from '../src/ports/messenger.ts';
import type { Logger } from '../src/ports/logger.ts';
import type { DeliveryLog } from './delivery-log.ts';
import type { DroppedOutcome } from './dropped.ts';

/** `sent` now; `duplicate`: the log says it went out already; `found-earlier`: the platform had it. */
export type DeliveryResult = 'sent' | 'duplicate' | 'found-earlier';
/** What a delivering job returns (kept as its BullMQ return value): sent, sent before, or why not. */
export type DeliveryOutcome = DeliveryResult | `skipped:${string}` | DroppedOutcome;

export interface DeliverDeps {
  log: DeliveryLog;
  sendTimeoutMs: number;
  logger: Logger;
}

/**
 * Sends once per delivery key across every worker: claim, call the platform, mark sent. When
 * another worker's claim is still live (it is mid-send, or died less than a lease ago), the job
 * waits out that claim as a delayed job, which costs no retry attempt. When an earlier attempt
 * may have reached the platform (a claim taken over, a retry, a stalled job), the messenger is
 * told so and asks the platform before posting again.
 */
export async function deliverOnce(
  job: Job,
  token: string | undefined,
  deliveryKey: string,
  deps: DeliverDeps,
  send: (delivery: DeliveryTag) => Promise<PostResult | void>,
): Promise<DeliveryResult> {
  const owner = token ?? `${job.id}#${job.attemptsStarted}`;
  const claim = await deps.log.claim(deliveryKey, owner);
  if (claim.kind === 'sent') return 'duplicate';
  if (claim.kind === 'busy') {
    if (!token) throw new Error(`delivery ${deliveryKey} is claimed by another worker`);
    await job.moveToDelayed(Date.now() + claim.retryInMs + 10, token);
    throw new DelayedError();
  }
  const mayBeRepeat = claim.attempted || job.attemptsMade > 0 || (job.stalledCounter ?? 0) > 0;
  const stopRenewing = deps.log.keepAlive(deliveryKey, owner, () =>
    deps.logger.warn({ job: job.id, delivery: deliveryKey }, 'lost the delivery claim mid-send (this process was stalled longer than the lease); the platform refuses a repeat'),
  );
  const sending = send({ id: deliveryKey, mayBeRepeat });
  let result: PostResult | void;
  try {
    result = await withTimeout(sending, deps.sendTimeoutMs, `the platform did not answer within ${deps.sendTimeoutMs} ms`);
  } catch (error) {
    if (error instanceof TimeoutError) {
      // The call may still land. If it does, record it so the retry skips it; until then the
      // claim stays renewed and the retry waits for it.
      sending
        .then(
          () => deps.log.markSent(deliveryKey),
          () => deps.log.release(deliveryKey, owner),
        )
        .catch(() => undefined)
        .finally(stopRenewing);
    } else {
      stopRenewing();
      await deps.log.release(deliveryKey, owner).catch(() => undefined);
    }
    throw error;
  }
  stopRenewing();
  await deps.log.markSent(deliveryKey);
  return result === 'found-earlier' ? 'found-earlier' : 'sent';
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
