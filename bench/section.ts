import type { Machine } from './lib/machine.ts';

/**
 * One part of the benchmark. run.ts runs the sections in order and prints each one's table;
 * their figures are merged into the one JSON line. New parts (bench/jobs.ts,
 * bench/adapters.ts) export a BenchSection and are added to the list in run.ts.
 */
export interface BenchContext {
  machine: Machine;
  /** A fresh temporary folder for this section's database files; removed after the run. */
  workDir: string;
}

export interface SectionReport {
  /** Readable lines for stdout (a title, a table, notes). */
  lines: string[];
  /** Merged into the JSON line; keys must not clash with other sections'. */
  figures: Record<string, unknown>;
  /**
   * Why the section measured nothing (for example Redis not reachable for the jobs section);
   * run.ts prints it and lists it under `skipped` in the JSON line instead of failing the run.
   */
  skipped?: string;
}

export interface BenchSection {
  /** Short name used by `npm run bench -- --only <id>`. */
  id: string;
  title: string;
  run(context: BenchContext): Promise<SectionReport>;
}
