import { defineCommand, type CommandContext } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { exportFiles } from '../src/core/csv-export.ts';
import { snapshotToday } from '../src/core/history.ts';
import type { Translator } from '../src/core/i18n.ts';
import { addDays } from '../src/domain/history.ts';
import { reply, type Reply, type Section } from '../src/domain/reply.ts';
import { computeStats, sparkline, type StatsData } from '../src/domain/stats.ts';
import type { ChartLabels } from '../src/ports/analytics.ts';

const FUNNEL_LINES = 10;

export const statsCommand = defineCommand({
  name: 'stats',
  permission: 'moderator',
  access: 'read',
  options: { days: option.choice(['30', '90', '365', 'export'] as const).optional() },
  async run(ctx, { days = '30' }) {
    if (days === 'export') return exportReply(ctx);
    return statsReply(ctx, Number(days));
  },
});

/** The words on the chart, in the reader's language. */
export function chartLabels(i18n: Translator): ChartLabels {
  const t = (key: keyof ChartLabels) => i18n.t(`analytics:stats.labels.${key}`);
  return { score: t('score'), satisfaction: t('satisfaction'), coverage: t('coverage'), enrollments: t('enrollments'), ratings: t('ratings'), enrolled: t('enrolled'), rated: t('rated') };
}

/** Reads the window's snapshots, taking today's first if the job has not yet (a first /stats). */
export async function loadStats(ctx: Pick<CommandContext, 'store' | 'community' | 'clock' | 'settings'>, days: number): Promise<StatsData> {
  const { snapshot } = await snapshotToday(ctx.store, ctx.community, ctx.clock.now(), ctx.settings.priorWeight);
  const snapshots = await ctx.store.listDailySnapshots(ctx.community.id, addDays(snapshot.day, -(days - 1)));
  return computeStats(snapshots, days, snapshot.day);
}

const signed = (i18n: Translator, value: number, digits: number) => `${value >= 0 ? '+' : '−'}${i18n.number(Math.abs(value), digits)}`;

/** The text every surface shows: numbers a screen reader can read, whatever the chart shows. */
export function statsSummary(data: StatsData, i18n: Translator): { body: string[]; sections: Section[]; alt: string } {
  const latest = data.latest!;
  const first = data.first!;
  const body = [
    i18n.t('analytics:stats.scoreLine', {
      from: i18n.number(first.score, 2),
      to: i18n.number(latest.score, 2),
      change: signed(i18n, latest.score - first.score, 2),
      satisfaction: i18n.number(latest.satisfaction, 2),
      coverage: i18n.percent(latest.coverage, 1),
      members: latest.memberCount,
    }),
  ];
  const week = data.weeks.at(-1);
  if (week) body.push(i18n.t('analytics:stats.weekLine', { enrollments: week.enrollments, ratings: week.ratings }));
  body.push(i18n.t('analytics:stats.span', { count: data.dates.length, from: first.day }));
  const funnel = data.funnel.slice(0, FUNNEL_LINES).map((c) =>
    i18n.t('analytics:stats.funnelLine', {
      rank: c.rank === null ? i18n.t('analytics:stats.unranked') : `${c.rank}.`,
      course: `#${c.number} ${c.title}`,
      enrolled: c.enrolled,
      ratings: c.ratings,
      share: i18n.percent(c.ratedShare, 0),
      mean: c.mean === null ? i18n.t('analytics:stats.unranked') : i18n.number(c.mean, 2),
    }),
  );
  const movers = data.movers.map((m) =>
    i18n.t('analytics:stats.moverLine', { course: `#${m.number} ${m.title}`, from: i18n.number(m.from, 2), to: i18n.number(m.to, 2), change: signed(i18n, m.change, 2) }),
  );
  const sections: Section[] = [
    { title: i18n.t('analytics:stats.funnel'), lines: funnel.length > 0 ? funnel : [i18n.t('analytics:stats.noCourses')] },
    { title: i18n.t('analytics:stats.movers'), lines: movers.length > 0 ? movers : [i18n.t('analytics:stats.noMovers')] },
  ];
  const alt = i18n.t('analytics:stats.chartAlt', {
    days: data.days,
    from: i18n.number(first.score, 2),
    to: i18n.number(latest.score, 2),
    satisfaction: i18n.number(latest.satisfaction, 2),
    coverage: i18n.percent(latest.coverage, 1),
  });
  return { body, sections, alt };
}

/** The console has no images: the same series as Unicode sparklines. */
function sparklines(data: StatsData, i18n: Translator): string[] {
  return [
    i18n.t('analytics:stats.sparkScore', { line: sparkline(data.score) }),
    i18n.t('analytics:stats.sparkSatisfaction', { line: sparkline(data.satisfaction) }),
    i18n.t('analytics:stats.sparkCoverage', { line: sparkline(data.coverage) }),
    ...(data.weeks.length > 0
      ? [
          i18n.t('analytics:stats.sparkEnrollments', { line: sparkline(data.weeks.map((w) => w.enrollments)) }),
          i18n.t('analytics:stats.sparkRatings', { line: sparkline(data.weeks.map((w) => w.ratings)) }),
        ]
      : []),
  ];
}

async function statsReply(ctx: CommandContext, days: number): Promise<Reply> {
  const { i18n } = ctx;
  const data = await loadStats(ctx, days);
  const summary = statsSummary(data, i18n);
  const title = i18n.t('analytics:stats.title', { days });
  const footer = i18n.t('analytics:stats.footer');
  const noHistory = data.dates.length < 2 ? [i18n.t('analytics:stats.noHistory')] : [];
  const charts = ctx.analytics.charts;
  if (ctx.platform === 'console' || !charts) {
    return reply({ visibility: 'ephemeral', title, body: [...summary.body, ...noHistory, ...sparklines(data, i18n)], sections: summary.sections, footer });
  }
  const chart = await charts.png(data, chartLabels(i18n));
  const url = ctx.analytics.dashboard?.chartUrl({ communityId: ctx.community.id, days, locale: i18n.locale }) ?? null;
  return reply({
    visibility: 'ephemeral',
    title,
    body: [...summary.body, ...noHistory],
    sections: summary.sections,
    footer,
    image: { file: { name: `stats-${days}d.png`, contentType: 'image/png', content: chart.png }, alt: summary.alt, ...(url ? { url } : {}) },
  });
}

function exportReply(ctx: CommandContext): Reply {
  const files = exportFiles(ctx.store, ctx.community.id, ctx.settings.priorWeight);
  return reply({
    visibility: 'ephemeral',
    tone: 'success',
    title: ctx.i18n.t('analytics:stats.exportTitle', { community: ctx.community.name }),
    body: [ctx.i18n.t('analytics:stats.exportBody')],
    files: [files.courses, files.enrollments, files.ratings],
  });
}
