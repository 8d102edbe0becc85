import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { tempDir } from './support/core-harness.ts';

const WRITER = fileURLToPath(new URL('./fixtures/crash-writer.ts', import.meta.url));
const KILLS = 5;

interface Killed {
  /** Writes the child reported as committed before it died. */
  reportedWrites: number;
  /** Sequence number of the newest rating the child reported as committed. */
  reportedSequence: number;
  signal: NodeJS.Signals | null;
}

/** Runs the writer until it has reported `target` committed writes, then SIGKILLs it. */
function runAndKill(path: string, first: number, seed: number, target: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, String(first), String(seed)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    let stderr = '';
    let reportedWrites = 0;
    let reportedSequence = -1;
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const [, writes, sequence] = buffered.slice(0, newline).split(' ');
        buffered = buffered.slice(newline + 1);
        reportedWrites = Number(writes);
        reportedSequence = Number(sequence);
        // The child keeps writing while this line travels, so the kill lands mid-loop.
        if (reportedWrites >= target && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited by itself (code ${code}): ${stderr}`));
      else resolve({ reportedWrites, reportedSequence, signal });
    });
  });
}

describe('Crash safety of the embedded store', () => {
  const temp = tempDir('crash');
  afterAll(() => temp.remove());

  it(`given a writer SIGKILLed ${KILLS} times, when restarted, then the file is intact, aggregates exact`, async () => {
    const path = join(temp.dir, 'crash.sqlite');
    let next = 0;
    let totalWrites = 0;
    const repairs: number[] = [];
    for (let kill = 1; kill <= KILLS; kill++) {
      const target = 100 + Math.floor(Math.random() * 400);
      const killed = await runAndKill(path, next, 1000 + kill, target);
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.reportedWrites).toBeGreaterThanOrEqual(target);
      totalWrites += killed.reportedWrites;

      const store = SqliteStore.open({ path });
      try {
        expect(store.database.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(store.database.pragma('foreign_key_check')).toEqual([]);
        for (const community of await store.listCommunities()) {
          const fixed = await store.recomputeAggregates(community.id);
          repairs.push(fixed.length);
          expect(fixed).toEqual([]);
        }
        // Durability: the last write reported as committed is in the file.
        const newest = store.database.prepare("SELECT max(CAST(substr(review, 5) AS INTEGER)) FROM ratings WHERE review LIKE 'seq:%'").pluck().get() as number;
        expect(newest).toBeGreaterThanOrEqual(killed.reportedSequence);
        next = newest + 1_000_000;
      } finally {
        await store.close();
      }
    }
    console.log(
      `crash: ${KILLS} SIGKILLs mid-write survived: integrity_check ok after each, ${repairs.reduce((a, b) => a + b, 0)} aggregate repairs needed, ` +
        `${totalWrites}+ writes committed, every reported write found after restart`,
    );
  });
});
