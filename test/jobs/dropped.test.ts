import { afterEach, describe, expect, it } from 'vitest';
import { digestQueueName, RECOMPUTE_QUEUE, reminderQueueName } from '../../jobs/queues.ts';
import { waitUntil, worldWithJobs } from './harness.ts';

describe('jobs whose community is no longer in the store (real Redis)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('given a reset store, when jobs for a gone community run, then each is dropped once with one warning', async () => {
    const { world, jobs } = await worldWithJobs(cleanups);
    // Rows that are not there: what Redis still holds after the store was reset.
    const gone = { communityId: '424242' };
    const opts = { attempts: 5, backoff: { type: 'fixed', delay: 50 } };
    const recompute = await jobs.queues.get(RECOMPUTE_QUEUE).add('recompute', gone, opts);
    const digest = await jobs.queues.get(digestQueueName('console')).add('digest', gone, opts);
    const reminder = await jobs.queues.get(reminderQueueName('console')).add('reminder', { ...gone, memberId: '1', courseId: '1', kind: 'rate-nudge' }, opts);

    for (const job of [recompute, digest, reminder]) {
      await waitUntil(async () => (await job.getState()) === 'completed', `${job.queueName} job to complete`);
    }
    const values = await Promise.all([recompute, digest, reminder].map(async (job) => (await jobs.queues.get(job.queueName).getJob(job.id!))?.returnvalue as unknown));
    expect(values).toEqual(['dropped: community gone', 'dropped: community gone', 'dropped: community gone']);
    const dropped = world.logger.entries.filter((e) => e.msg.startsWith('job dropped'));
    expect(dropped.map((e) => e.level)).toEqual(['warn', 'warn', 'warn']);
    expect(world.logger.entries.filter((e) => e.msg.startsWith('job failed'))).toEqual([]);
  });
});
