import { join } from 'node:path';
import { communityScore, rankCourses } from '../src/domain/score.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { seedBulkCommunity, type BulkCommunity } from './fixtures/bulk.ts';
import { note } from './lib/progress.ts';
import { median, round } from './lib/stats.ts';
import { formatNumber, table } from './lib/table.ts';
import type { BenchSection, SectionReport } from './section.ts';

const SIZES = [10_000, 100_000, 1_000_000] as const;
const COURSES = 200;
const PRIOR_WEIGHT = 5;
/**
 * Timed runs per size after one untimed warm-up; the median is reported. Small sizes take a few
 * milliseconds, so they repeat until a second of runs has passed for a stable median.
 */
const MIN_REPEATS = 5;
const MAX_REPEATS = 100;
const MIN_TIMED_MS = 1_000;

interface Timing {
  totalMs: number;
  aggregatesMs: number;
  scoreMs: number;
}

/**
 * Part 2: the periodic score recompute at growing sizes. All sizes live as separate
 * communities in one SQLite file, as a multi-community deployment would keep them, so each
 * recompute must stay within its own community's rows.
 */
export const scaleSection: BenchSection = {
  id: 'scale',
  title: 'Scale: score recompute',
  async run({ workDir }): Promise<SectionReport> {
    const store = SqliteStore.open({ path: join(workDir, 'scale.sqlite') });
    try {
      const communities: BulkCommunity[] = [];
      for (const [i, ratings] of SIZES.entries()) {
        communities.push(await seedBulkCommunity(store, { ratings, courses: COURSES, archived: 10, meanEnrollments: 14, ratedShare: 0.7, seed: 100 + i }));
      }
      // Start every size from a checkpointed file, not a WAL full of seed pages.
      store.database.pragma('wal_checkpoint(TRUNCATE)');
      const timings = new Map<string, Timing>();
      for (const c of communities) {
        note(`timing the recompute of ${c.label} ratings`);
        timings.set(c.label, await timeRecompute(store, c));
      }
      return report(communities, timings);
    } finally {
      await store.close();
    }
  },
};

/** What a recompute job does for a community: the recount (repairs, active courses, members), then G and the ranking. */
async function recomputeOnce(store: SqliteStore, c: BulkCommunity): Promise<Timing> {
  const t0 = performance.now();
  const recount = await store.recountCommunity(c.community.id);
  const t1 = performance.now();
  if (!recount) throw new Error(`${c.label}: the community is not in the store`);
  const { repairs, courses, memberCount: members } = recount;
  const score = communityScore(members, courses);
  const ranked = rankCourses(courses, PRIOR_WEIGHT);
  const t2 = performance.now();
  // The seed writes aggregates that match the rows; a repair means the seed or the store is wrong.
  if (repairs.length > 0) throw new Error(`${c.label}: recompute repaired ${repairs.length} courses; the seeded rows and aggregates disagree`);
  if (members !== c.members || ranked.length === 0 || !(score.score > 0 && score.score <= 5)) {
    throw new Error(`${c.label}: implausible score ${JSON.stringify(score)}`);
  }
  return { totalMs: t2 - t0, aggregatesMs: t1 - t0, scoreMs: t2 - t1 };
}

async function timeRecompute(store: SqliteStore, c: BulkCommunity): Promise<Timing> {
  await recomputeOnce(store, c);
  const runs: Timing[] = [];
  let timed = 0;
  while (runs.length < MIN_REPEATS || (timed < MIN_TIMED_MS && runs.length < MAX_REPEATS)) {
    const run = await recomputeOnce(store, c);
    runs.push(run);
    timed += run.totalMs;
  }
  return {
    totalMs: median(runs.map((r) => r.totalMs)),
    aggregatesMs: median(runs.map((r) => r.aggregatesMs)),
    scoreMs: median(runs.map((r) => r.scoreMs)),
  };
}

function report(communities: BulkCommunity[], timings: Map<string, Timing>): SectionReport {
  const ms = (label: string) => timings.get(label)!.totalMs;
  const labels = communities.map((c) => c.label);
  const steps = labels.slice(1).map((label, i) => ms(label) / ms(labels[i]!));
  // Geometric mean of the steps: the average factor each 10x in ratings costs.
  const growth = Math.pow(ms(labels[labels.length - 1]!) / ms(labels[0]!), 1 / Math.max(1, labels.length - 1));
  const lines = [
    `Part 2: score recompute (recountCommunity: repairs, active courses, members; then G + rankCourses), SQLite file (WAL),`,
    `${COURSES} courses per community, all sizes in one file; median of at least ${MIN_REPEATS} runs (and 1 s of runs) after a warm-up`,
    '',
    ...table(
      [
        { header: 'ratings', align: 'left' },
        { header: 'members' },
        { header: 'enrollments' },
        { header: 'recompute ms' },
        { header: 'recount ms' },
        { header: 'G + rank ms' },
        { header: 'x previous' },
      ],
      communities.map((c, i) => {
        const t = timings.get(c.label)!;
        return [c.label, c.members, c.enrollments, round(t.totalMs, 2), round(t.aggregatesMs, 2), round(t.scoreMs, 2), i === 0 ? '' : `${formatNumber(steps[i - 1]!)}x`];
      }),
    ),
    `recompute_growth_per_10x = ${formatNumber(growth)}x (10 = linear in ratings)`,
  ];
  return {
    lines,
    figures: {
      recompute_ms: Object.fromEntries(labels.map((l) => [l, round(ms(l), 2)])),
      recompute_growth_per_10x: round(growth, 2),
      recompute_growth_steps: steps.map((s) => round(s, 2)),
      recompute_detail: Object.fromEntries(
        communities.map((c) => {
          const t = timings.get(c.label)!;
          return [c.label, { members: c.members, courses: c.courses, enrollments: c.enrollments, ratings: c.ratings, aggregates_ms: round(t.aggregatesMs, 2), score_ms: round(t.scoreMs, 2) }];
        }),
      ),
    },
  };
}
