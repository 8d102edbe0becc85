import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMUNITY, cleanupPrefix, createWorld, randomPrefix, RecordingMessenger, SHARED_REDIS_URL, startJobsFor, waitUntil } from './harness.ts';
import { reminderJobId } from '../../jobs/reminders.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/blocking-worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Starts the blocking worker and collects the lines it prints. */
function spawnBlockingWorker(dbPath: string, prefix: string, maxStalledCount?: number): { child: ChildProcess; lines: string[] } {
  const args = [FIXTURE, dbPath, prefix, SHARED_REDIS_URL, ...(maxStalledCount === undefined ? [] : [String(maxStalledCount)])];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  return { child, lines };
}

describe('a worker killed in the middle of a job (real Redis, separate process)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /**
   * A bot that schedules, a worker process that hangs mid-delivery and is SIGKILLed, then a
   * fresh worker with a recording messenger. Returns what the test needs to look at.
   */
  async function killMidDelivery(maxStalledCount?: number) {
    const prefix = randomPrefix();
    // The bot: schedules reminders but has no messenger, so it processes none itself.
    const bot = createWorld();
    cleanups.push(() => bot.close(), () => cleanupPrefix(prefix));
    const botJobs = await startJobsFor(bot, { prefix, options: { nudgeAfterMs: 3_000 } });
    cleanups.push(() => botJobs.stop());

    const { child, lines } = spawnBlockingWorker(bot.dbPath, prefix, maxStalledCount);
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    await waitUntil(() => lines.includes('ready'), 'the worker process to connect', 30_000);

    await bot.run('/course add title:"Rust"');
    await bot.run('/enroll 1', 'ana');
    const community = (await bot.store.findCommunity({ platform: 'console', externalId: COMMUNITY }))!;
    const ana = await bot.store.upsertMember(community.id, 'ana', 'ana');
    const course = (await bot.store.getCourseByNumber(community.id, 1))!;
    const id = reminderJobId(community.id, ana.id, course.id, 'rate-nudge');

    await waitUntil(() => lines.includes('delivering @ana'), 'the worker process to start delivering');
    const exited = new Promise((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const queue = botJobs.queues.get('reminders-console');
    expect(await queue.getJobState(id)).toBe('active');
    // The dead sender's claim is still in the delivery log: it may have reached the platform.
    expect(await bot.store.deliveries.get(id)).toMatchObject({ state: 'pending', attempts: 1 });

    // A fresh worker (another process in production) with a real messenger takes over once the
    // dead worker's lock and delivery claim lapse.
    const replacement = createWorld(bot.dbPath);
    const messenger = new RecordingMessenger();
    replacement.core.messengers.register(messenger);
    cleanups.push(() => replacement.close());
    const options = { lockDurationMs: 1_000, stalledIntervalMs: 500, ...(maxStalledCount === undefined ? {} : { maxStalledCount }) };
    const workerJobs = await startJobsFor(replacement, { prefix, role: 'worker', options });
    cleanups.push(() => workerJobs.stop());
    await waitUntil(async () => (await queue.getJobState(id)) === 'completed', 'the reminder to complete after the restart', 30_000);
    return { id, queue, messenger, workerJobs, replacement, lines };
  }

  it('given a worker SIGKILLed mid-send, when another takes over, then it sends once, saying it may repeat', async () => {
    const { id, queue, messenger, workerJobs, lines } = await killMidDelivery();
    const job = (await queue.getJob(id))!;
    expect(job.returnvalue).toBe('sent');
    expect(job.stalledCounter).toBe(1);
    expect(messenger.posts.map((p) => [p.kind, p.to, p.reply.title])).toEqual([['member', 'ana', 'How is #1 Rust going?']]);
    // The messenger is told to check the platform first (Discord's nonce, Slack's history).
    expect(messenger.posts[0]!.delivery).toEqual({ id, mayBeRepeat: true });
    expect(await workerJobs.deliveries.wasSent(id)).toBe(true);
    expect(lines.filter((l) => l.startsWith('delivering'))).toEqual(['delivering @ana']);
  });

  it('given a job failed for stalling, when it fails, then it is queued again and sent once', async () => {
    const { id, queue, messenger, replacement } = await killMidDelivery(0);
    const job = (await queue.getJob(id))!;
    expect(job.returnvalue).toBe('sent');
    expect(job.data).toMatchObject({ stallRequeues: 1 });
    expect(messenger.posts.map((p) => [p.to, p.delivery])).toEqual([['ana', { id, mayBeRepeat: true }]]);
    expect(replacement.logger.entries.filter((e) => e.msg.startsWith('job failed by BullMQ after its workers died')).map((e) => e.obj)).toEqual([
      expect.objectContaining({ job: id, requeues: 0 }),
    ]);
    expect(replacement.logger.messages('warn').some((m) => m.includes('retries it after the back-off'))).toBe(false);
  });
});
