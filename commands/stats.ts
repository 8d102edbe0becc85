import { defineCommand, type CommandContext } from '../src/core/command.ts';
import { option } from '../src/core/options.ts';
import { exportFiles } from '../src/core/csv-export.ts';
import type { Translator } from '../src/core/i18n.ts';
import { chartLabels, loadStats, statsSummary } from '../src/core/stats-view.ts';
import { reply, type Reply } from '../src/domain/reply.ts';
import { sparkline, type StatsData } from '../src/domain/stats.ts';

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
