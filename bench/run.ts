/**
 * `npm run bench`: seeds realistic data in temporary SQLite files, measures each section and
 * prints a readable table, then ONE JSON object on the last line of stdout. Progress goes to
 * stderr. Not part of `npm test`: benchmarks measure, tests assert.
 *
 *   npm run bench                 every section
 *   npm run bench -- --only core  some sections (comma-separated ids)
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { coreSection } from './core.ts';
import { scaleSection } from './scale.ts';
import { jobsSection } from './jobs.ts';
import { adaptersSection } from './adapters.ts';
import { scaleCommunitiesSection } from './scale-communities.ts';
import { historySection } from './history.ts';
import { describeMachine, machineLine } from './lib/machine.ts';
import { note } from './lib/progress.ts';
import type { BenchSection } from './section.ts';

/** In order. */
const SECTIONS: readonly BenchSection[] = [coreSection, scaleSection, jobsSection, adaptersSection, scaleCommunitiesSection, historySection];

async function main(): Promise<number> {
  let only: string | undefined;
  try {
    only = parseArgs({ options: { only: { type: 'string' } } }).values.only;
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\nUsage: npm run bench [-- --only ${SECTIONS.map((s) => s.id).join(',')}]\n`);
    return 2;
  }
  const wanted = only ? new Set(only.split(',').map((s) => s.trim())) : undefined;
  const unknown = [...(wanted ?? [])].filter((id) => !SECTIONS.some((s) => s.id === id));
  if (unknown.length > 0) {
    process.stderr.write(`Unknown section(s): ${unknown.join(', ')}. Sections: ${SECTIONS.map((s) => s.id).join(', ')}\n`);
    return 2;
  }
  const sections = SECTIONS.filter((s) => !wanted || wanted.has(s.id));

  const started = performance.now();
  const machine = describeMachine();
  // Each section's table is printed as soon as it is measured; progress goes to stderr.
  const print = (lines: string[]) => process.stdout.write(`${lines.join('\n')}\n`);
  print([`Syllabot benchmarks on ${machineLine(machine)}`, '']);
  const figures: Record<string, unknown> = {};
  const skipped: Record<string, string> = {};
  const root = mkdtempSync(join(tmpdir(), 'syllabot-bench-'));
  // Ctrl+C mid-run still removes the seeded databases (several hundred MB at 1M ratings).
  const interrupted = () => {
    rmSync(root, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    for (const section of sections) {
      note(`== ${section.title}`);
      const workDir = join(root, section.id);
      mkdirSync(workDir);
      const report = await section.run({ machine, workDir });
      if (report.skipped) {
        skipped[section.id] = report.skipped;
        print([`${section.title}: skipped (${report.skipped})`, '']);
        continue;
      }
      print([...report.lines, '']);
      Object.assign(figures, report.figures);
    }
  } finally {
    process.off('SIGINT', interrupted);
    rmSync(root, { recursive: true, force: true });
  }
  const totalSeconds = (performance.now() - started) / 1000;
  print([`Total: ${totalSeconds.toFixed(1)} s`]);
  const measured = sections.map((s) => s.id).filter((id) => !(id in skipped));
  const line = { machine, sections: measured, ...(Object.keys(skipped).length > 0 ? { skipped } : {}), ...figures, total_seconds: Math.round(totalSeconds * 10) / 10 };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
