import { describe, expect, it } from 'vitest';
import { buildDailySnapshot, dayIn, type DailySnapshot } from '../../src/domain/history.ts';
import { computeStats, sparkline } from '../../src/domain/stats.ts';
import type { Course } from '../../src/domain/model.ts';
import { EchartsChartRenderer } from '../../src/infra/charts/echarts-renderer.ts';
import { neutralizeFormula } from '../../src/core/csv-export.ts';
import { aCourse } from '../support/course.ts';

const course = (id: string, title: string, ratingCount: number, ratingSum: number, enrolledCount: number): Course =>
  aCourse({ id, communityId: 'c', number: Number(id), title }, { ratingCount, ratingSum, enrolledCount });

function week(titles: string[]): DailySnapshot[] {
  return Array.from({ length: 15 }, (_, day) =>
    buildDailySnapshot({
      communityId: 'c',
      day: `2026-01-${String(day + 1).padStart(2, '0')}`,
      takenAt: new Date(Date.UTC(2026, 0, day + 1, 12)),
      memberCount: 10,
      courses: titles.map((t, i) => course(String(i + 1), t, day + i, (day + i) * (3 + (i % 2)), 2 * day + i)),
      priorWeight: 5,
    }),
  );
}

describe('stats figures', () => {
  it('given 15 days of snapshots, when computed for 30 days, then weekly totals, funnel and movers follow them', () => {
    const stats = computeStats(week(['Rust', 'Go']), 30, '2026-01-15');
    expect(stats.dates).toHaveLength(15);
    expect(stats.weeks.map((w) => w.endsOn)).toEqual(['2026-01-08', '2026-01-15']);
    // Each day adds 2 enrollments per course (2 courses) and 1 rating per course.
    expect(stats.weeks.at(-1)).toEqual({ endsOn: '2026-01-15', enrollments: 28, ratings: 14 });
    expect(stats.funnel.map((c) => [c.title, c.rank])).toEqual([['Go', 1], ['Rust', 2]]);
    expect(stats.funnel[0]!.ratedShare).toBeCloseTo(15 / 29, 6);
    expect(stats.movers.length).toBeGreaterThan(0);
  });

  it('given a window shorter than the history, when computed, then only its days count', () => {
    expect(computeStats(week(['Rust']), 7, '2026-01-15').dates).toEqual(['2026-01-09', '2026-01-10', '2026-01-11', '2026-01-12', '2026-01-13', '2026-01-14', '2026-01-15']);
  });

  it('given values, when drawn as a sparkline, then lowest ▁, highest █, and a flat series in the middle', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([2, 2, 2])).toBe('▄▄▄');
    expect(sparkline(Array.from({ length: 100 }, (_, i) => i), 20)).toHaveLength(20);
  });

  it('given an instant near midnight, when its day is taken in a time zone, then it is that zone calendar day', () => {
    const at = new Date('2026-03-01T23:30:00Z');
    expect(dayIn(at, 'UTC')).toBe('2026-03-01');
    expect(dayIn(at, 'Asia/Shanghai')).toBe('2026-03-02');
    expect(dayIn(at, 'America/Los_Angeles')).toBe('2026-03-01');
  });

  it('given formula-looking cells, when neutralised, then they start with an apostrophe, others stay', () => {
    expect(['=1+1', '+1', '-2', '@SUM(A1)', '\t=1', 'Rust', '李雷'].map(neutralizeFormula)).toEqual(["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\t=1", 'Rust', '李雷']);
  });
});

describe('the stats chart', () => {
  const labels = { score: 'G', satisfaction: '满意度', coverage: '覆盖率', enrollments: 'Enrollments', ratings: 'Ratings', enrolled: 'Enrolled', rated: 'Rated' };

  it('given hostile and Chinese course titles, when rendered, then the SVG escapes them and the PNG renders', async () => {
    const hostile = '<img src=x>\u001b[31m\ud800 \u0007';
    const stats = computeStats(week([hostile, 'Go 入门 & <b>']), 30, '2026-01-15');
    const chart = await new EchartsChartRenderer().png(stats, labels);
    expect(chart.svg).not.toContain('<img');
    expect(chart.svg).not.toContain('<b>');
    expect(chart.svg).toContain('&lt;img src=x&gt;[31m');
    expect(chart.svg).toContain('Go 入门 &amp; &lt;b&gt;');
    expect(chart.svg).not.toMatch(/[\u0000-\u0008\u001b]/);
    expect(Buffer.from(chart.png.subarray(0, 4)).toString('latin1')).toBe('\x89PNG');
    expect(chart.png.byteLength).toBeGreaterThan(10_000);
  });
});
