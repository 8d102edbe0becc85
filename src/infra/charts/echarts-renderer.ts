import { createRequire } from 'node:module';
import type { EChartsCoreOption } from 'echarts';
import type { StatsData } from '../../domain/stats.ts';
import type { ChartImage, ChartLabels, ChartRenderer } from '../../ports/analytics.ts';

const require = createRequire(import.meta.url);

/** Latin from DejaVu Sans, Chinese from Noto Sans SC: both ship as TTF files in npm packages. */
const FONT_FILES = [
  require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf'),
  require.resolve('@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'),
];
const FONT_FAMILY = 'DejaVu Sans, Noto Sans SC, sans-serif';
const WIDTH = 900;
const HEIGHT = 760;
const FUNNEL_COURSES = 8;
const TITLE_CHARS = 28;

/**
 * Course titles are members' text: characters XML cannot hold (controls, lone surrogates) are
 * dropped so the SVG always parses, and a long title is shortened so it cannot push the bars off
 * the image. ECharts escapes markup characters itself.
 */
function shortTitle(number: number, title: string): string {
  const clean = title
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '')
    .replace(/[\t\n\r]+/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f\ufffe\uffff]/g, '');
  const chars = [...clean];
  return `#${number} ${chars.length > TITLE_CHARS ? `${chars.slice(0, TITLE_CHARS - 1).join('')}…` : clean}`;
}

/**
 * The one chart definition behind /stats images and the dashboard: G with satisfaction and
 * coverage over time, enrollments and ratings per week, and the enrolled → rated funnel per
 * course. Titles stay out of the image (the text around it names each part).
 */
export function statsChartOption(data: StatsData, labels: ChartLabels): EChartsCoreOption {
  const funnel = data.funnel.slice(0, FUNNEL_COURSES).reverse();
  return {
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: FONT_FAMILY },
    color: ['#5470c6', '#91cc75', '#fac858', '#ee6666', '#73c0de'],
    legend: [
      { top: 0, left: 'center', data: [labels.score, labels.satisfaction, labels.coverage] },
      { top: 262, left: 'center', data: [labels.enrollments, labels.ratings] },
      { top: 500, left: 'center', data: [labels.enrolled, labels.rated] },
    ],
    grid: [
      { left: 56, right: 64, top: 32, height: 190 },
      { left: 56, right: 64, top: 294, height: 170 },
      { left: 210, right: 64, top: 532, height: 200 },
    ],
    xAxis: [
      { gridIndex: 0, type: 'category', data: data.dates.map((d) => d.slice(5)), boundaryGap: false },
      { gridIndex: 1, type: 'category', data: data.weeks.map((w) => w.endsOn.slice(5)) },
      { gridIndex: 2, type: 'value', minInterval: 1 },
    ],
    yAxis: [
      { gridIndex: 0, type: 'value', min: 0, max: 5 },
      { gridIndex: 0, type: 'value', min: 0, max: 100, position: 'right', axisLabel: { formatter: '{value}%' }, splitLine: { show: false } },
      { gridIndex: 1, type: 'value', minInterval: 1 },
      { gridIndex: 2, type: 'category', data: funnel.map((c) => shortTitle(c.number, c.title)) },
    ],
    series: [
      { name: labels.score, type: 'line', xAxisIndex: 0, yAxisIndex: 0, data: data.score.map((v) => round(v)), showSymbol: data.dates.length < 40 },
      { name: labels.satisfaction, type: 'line', xAxisIndex: 0, yAxisIndex: 0, data: data.satisfaction.map((v) => round(v)), showSymbol: data.dates.length < 40 },
      { name: labels.coverage, type: 'line', xAxisIndex: 0, yAxisIndex: 1, data: data.coverage.map((v) => round(v * 100)), showSymbol: data.dates.length < 40, lineStyle: { type: 'dashed' } },
      { name: labels.enrollments, type: 'bar', xAxisIndex: 1, yAxisIndex: 2, data: data.weeks.map((w) => w.enrollments) },
      { name: labels.ratings, type: 'bar', xAxisIndex: 1, yAxisIndex: 2, data: data.weeks.map((w) => w.ratings) },
      { name: labels.enrolled, type: 'bar', xAxisIndex: 2, yAxisIndex: 3, data: funnel.map((c) => c.enrolled) },
      { name: labels.rated, type: 'bar', xAxisIndex: 2, yAxisIndex: 3, data: funnel.map((c) => c.ratings) },
    ],
  };
}

const round = (v: number) => Math.round(v * 100) / 100;

/**
 * ECharts' server-side SVG renderer, rasterised with resvg: no browser, no canvas. Both load on
 * first use, so processes that never draw a chart (workers, a failed start) never pay for them.
 */
export class EchartsChartRenderer implements ChartRenderer {
  async svg(data: StatsData, labels: ChartLabels): Promise<string> {
    const echarts = await import('echarts');
    const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
    try {
      chart.setOption(statsChartOption(data, labels));
      return chart.renderToSVGString();
    } finally {
      chart.dispose();
    }
  }

  async png(data: StatsData, labels: ChartLabels): Promise<ChartImage> {
    const svg = await this.svg(data, labels);
    const { Resvg } = await import('@resvg/resvg-js');
    const png = new Resvg(svg, { font: { fontFiles: FONT_FILES, loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' }).render().asPng();
    return { svg, png: new Uint8Array(png.buffer, png.byteOffset, png.byteLength) };
  }
}
