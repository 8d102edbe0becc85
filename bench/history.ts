import { join } from 'node:path';
import type { Community } from '../src/domain/model.ts';
import { addDays, buildDailySnapshot } from '../src/domain/history.ts';
import { computeStats } from '../src/domain/stats.ts';
import { SqliteStore } from '../src/infra/sqlite/sqlite-store.ts';
import { EchartsChartRenderer } from '../src/infra/charts/echarts-renderer.ts';
import { DailyHistory, pruneHistory } from '../jobs/recompute.ts';
import { seedManyCommunities, type ManyCommunitiesShape } from './fixtures/many-communities.ts';
import { note, progress } from './lib/progress.ts';
import { round } from './lib/stats.ts';
import { formatNumber, table } from './lib/table.ts';
import type { BenchSection, SectionReport } from './section.ts';

/** Issue 16: the daily history's cost at 10,000 communities (8 courses each). */
const SHAPE: ManyCommunitiesShape = { communities: 10_000, membersPerCommunity: 20, coursesPerCommunity: 8, enrollmentsPerMember: 2, ratedShare: 0.6, seed: 1616 };
const RETENTION_DAYS = 400;
/** Days of history given to one community to time a year's /stats. */
const YEAR = 365;

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const out = await work();
  return [out, performance.now() - started];
}

export const historySection: BenchSection = {
  id: 'history',
  title: 'Daily history at 10,000 communities',
  async run({ workDir }): Promise<SectionReport> {
    const store = SqliteStore.open({ path: join(workDir, 'history.sqlite') });
    try {
      note(`seeding ${formatNumber(SHAPE.communities)} communities`);
      const seeded = await seedManyCommunities(store, SHAPE);
      const communities: Community[] = seeded.communities;
      const db = store.database;
      const pageBytes = () => Number(db.pragma('page_count', { simple: true })) * Number(db.pragma('page_size', { simple: true }));
      const at = new Date('2026-06-01T12:00:00Z');

      // The recompute job's extra work on its first run of the day, community by community.
      const history = new DailyHistory(5);
      const before = pageBytes();
      const bar = progress('first snapshot of the day', communities.length);
      const [written, firstMs] = await timed(async () => {
        let n = 0;
        for (const [i, c] of communities.entries()) {
          if (await history.record(store, c.id, at)) n++;
          bar.update(i + 1);
        }
        return n;
      });
      bar.done();
      const bytesPerSnapshot = (pageBytes() - before) / written;
      // Later runs that day in the same process skip the store entirely.
      const [, againMs] = await timed(async () => {
        for (const c of communities) await history.record(store, c.id, at);
      });
      // Another process's first run that day: the unique key refuses each write.
      const other = new DailyHistory(5);
      const [refused, otherMs] = await timed(async () => {
        let n = 0;
        for (const c of communities) if ((await other.record(store, c.id, at)) === null) n++;
        return n;
      });

      // A year of history for one community: what /stats 365 reads and draws.
      const sample = communities[0]!;
      const courses = await store.listActiveCourses(sample.id);
      const members = await store.countMembers(sample.id);
      for (let d = 1; d <= YEAR; d++) {
        const day = addDays('2026-06-01', -d);
        await store.saveDailySnapshot(buildDailySnapshot({ communityId: sample.id, day, takenAt: new Date(`${day}T12:00:00Z`), memberCount: members, courses, priorWeight: 5 }));
      }
      const charts = new EchartsChartRenderer();
      const labels = { score: 'G', satisfaction: 'Satisfaction', coverage: 'Coverage', enrollments: 'Enrollments', ratings: 'Ratings', enrolled: 'Enrolled', rated: 'Rated' };
      await charts.png(computeStats([], 30, '2026-06-01'), labels);
      const statsRuns: number[] = [];
      const drawRuns: number[] = [];
      for (let i = 0; i < 5; i++) {
        const [snapshots, readMs] = await timed(() => store.listDailySnapshots(sample.id, addDays('2026-06-01', -(YEAR - 1))));
        const [, drawMs] = await timed(() => charts.png(computeStats(snapshots, YEAR, '2026-06-01'), labels));
        statsRuns.push(readMs);
        drawRuns.push(drawMs);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

      // Pruning: every community's snapshot of the day is older than the retention a year on.
      const [pruned, pruneMs] = await timed(() => pruneHistory(store, new Date(at.getTime() + (RETENTION_DAYS + 1) * 86_400_000), RETENTION_DAYS));

      const figures = {
        historyCommunities: communities.length,
        historyFirstSnapshotMsTotal: round(firstMs, 0),
        historyFirstSnapshotMsPerCommunity: round(firstMs / communities.length, 3),
        historySameProcessAgainMsTotal: round(againMs, 0),
        historyOtherProcessMsTotal: round(otherMs, 0),
        historyOtherProcessRefused: refused,
        historyBytesPerSnapshot: round(bytesPerSnapshot, 0),
        historyEstimatedBytesAtRetention: round(bytesPerSnapshot * communities.length * RETENTION_DAYS, 0),
        historyStats365ReadMs: round(median(statsRuns), 1),
        historyStats365ChartMs: round(median(drawRuns), 1),
        historyPruneMs: round(pruneMs, 0),
        historyPruned: pruned,
      };
      return {
        lines: [
          `Daily history: ${formatNumber(communities.length)} communities × ${SHAPE.coursesPerCommunity} courses (SQLite)`,
          ...table(
            [{ header: 'what' }, { header: 'figure', align: 'right' }],
            [
              ['first snapshot of the day, all communities', `${formatNumber(round(firstMs, 0))} ms (${round(firstMs / communities.length, 3)} ms each)`],
              ['later runs that day, same process', `${formatNumber(round(againMs, 0))} ms (no store write)`],
              ['first run in a second process (refused by the day key)', `${formatNumber(round(otherMs, 0))} ms, ${formatNumber(refused)} refused`],
              ['storage per snapshot', `${formatNumber(round(bytesPerSnapshot, 0))} B`],
              [`storage at ${RETENTION_DAYS} days retention (estimate)`, `${formatNumber(round((bytesPerSnapshot * communities.length * RETENTION_DAYS) / 1024 / 1024, 0))} MB`],
              ['/stats 365: read a year of snapshots (median of 5)', `${round(median(statsRuns), 1)} ms`],
              ['/stats 365: figures and PNG chart (median of 5)', `${round(median(drawRuns), 1)} ms`],
              [`prune ${formatNumber(pruned)} expired snapshots`, `${formatNumber(round(pruneMs, 0))} ms`],
            ],
          ),
          '',
        ],
        figures,
      };
    } finally {
      await store.close();
    }
  },
};
