import type { CommandContext } from './command.ts';
import { snapshotToday } from './history.ts';
import type { Translator } from './i18n.ts';
import { addDays } from '../domain/history.ts';
import type { Section } from '../domain/reply.ts';
import { computeStats, type StatsData } from '../domain/stats.ts';
import type { ChartLabels } from '../ports/analytics.ts';

const FUNNEL_LINES = 10;

/** The words on the chart, in the reader's language. */
export function chartLabels(i18n: Translator): ChartLabels {
  const t = (key: keyof ChartLabels) => i18n.t(`analytics:stats.labels.${key}`);
  return { score: t('score'), satisfaction: t('satisfaction'), coverage: t('coverage'), enrollments: t('enrollments'), ratings: t('ratings'), enrolled: t('enrolled'), rated: t('rated') };
}

/** Reads the window's snapshots, taking today's first if the job has not yet (a first /stats). */
export async function loadStats(ctx: Pick<CommandContext, 'store' | 'community' | 'clock'> & { settings: Pick<CommandContext['settings'], 'priorWeight'> }, days: number): Promise<StatsData> {
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

