import { html, raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import type { Translator } from '../../src/core/i18n.ts';
import type { Course } from '../../src/domain/model.ts';
import type { StatsData } from '../../src/domain/stats.ts';
import type { RatingRow } from '../../src/ports/store/index.ts';
import { STATS_PERIODS } from '../../src/domain/stats.ts';

type Html = HtmlEscapedString | Promise<HtmlEscapedString>;

/** Every page's frame: language, viewport, the one style sheet, the one external script. */
function layout(i18n: Translator, title: string, body: Html, script = false): Html {
  return html`<!doctype html>
<html lang="${i18n.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title}</title>
<link rel="stylesheet" href="/assets/dashboard.css">
${script ? html`<script src="/assets/table.js" defer></script>` : ''}
</head>
<body>${body}</body>
</html>`;
}

/** A page with one message (a refused link, a signed-out session). */
export function messagePage(i18n: Translator, title: string, text: string): Html {
  return layout(i18n, title, html`<div class="message" role="alert"><h1>${title}</h1><p>${text}</p></div>`);
}

/**
 * After sign-in: the session cookie is SameSite=Strict, which a browser does not send on a
 * navigation that started on another site (the chat app). This page, on our own site, moves on
 * with a meta refresh (no script), so the next request is same-site and carries the cookie.
 */
export function signedInPage(i18n: Translator): Html {
  return html`<!doctype html>
<html lang="${i18n.locale}"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><meta http-equiv="refresh" content="0;url=/">
<title>${i18n.t('analytics:dashboard.signingIn')}</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body><div class="message"><p>${i18n.t('analytics:dashboard.signingIn')}</p><p><a href="/">${i18n.t('analytics:dashboard.continue')}</a></p></div></body></html>`;
}

export type SortColumn = 'number' | 'title' | 'value' | 'enrolled' | 'ratings' | 'mean' | 'rank' | 'rated';
export const SORT_COLUMNS: readonly SortColumn[] = ['number', 'title', 'value', 'enrolled', 'ratings', 'mean', 'rank', 'rated'];

export interface CourseRowView {
  course: Course;
  mean: number | null;
  rank: number | null;
  ratedShare: number;
}

export interface DashboardView {
  communityName: string;
  days: number;
  stats: StatsData;
  chartSvg: string;
  courses: CourseRowView[];
  sort: { column: SortColumn; dir: 'asc' | 'desc' };
  reviews: RatingRow[];
}

/** The value a column sorts by (unrated courses sort last both ways in the rank column). */
export function sortValue(row: CourseRowView, column: SortColumn): number | string {
  switch (column) {
    case 'number':
      return row.course.number;
    case 'title':
      return row.course.title.toLowerCase();
    case 'value':
      return row.course.value;
    case 'enrolled':
      return row.course.enrolledCount;
    case 'ratings':
      return row.course.ratingCount;
    case 'mean':
      return row.mean ?? -1;
    case 'rank':
      return row.rank ?? 1e9;
    case 'rated':
      return row.ratedShare;
  }
}

export function dashboardPage(i18n: Translator, view: DashboardView): Html {
  const { stats } = view;
  const latest = stats.latest;
  const t = (key: string, vars?: Record<string, string | number>) => i18n.t(`analytics:dashboard.${key}`, vars);
  const card = (label: string, value: string) => html`<div class="card"><div class="label">${label}</div><div class="value">${value}</div></div>`;
  const numeric = new Set<SortColumn>(['number', 'value', 'enrolled', 'ratings', 'mean', 'rank', 'rated']);
  const header = (column: SortColumn) => {
    const active = view.sort.column === column;
    const nextDir = active && view.sort.dir === 'asc' ? 'desc' : 'asc';
    return html`<th scope="col" data-column="${column}" data-type="${numeric.has(column) ? 'number' : 'text'}"${active ? raw(` aria-sort="${view.sort.dir === 'asc' ? 'ascending' : 'descending'}"`) : ''}><a href="/?days=${view.days}&amp;sort=${column}&amp;dir=${nextDir}">${t(`col.${column}`)}</a></th>`;
  };
  const cell = (value: number | string, shown: string, className = 'num') => html`<td class="${className}" data-value="${String(value)}">${shown}</td>`;
  const rows = view.courses.map(
    (r) => html`<tr>
${cell(r.course.number, `#${r.course.number}`)}${cell(sortValue(r, 'title'), r.course.title, 'title')}${cell(r.course.value, i18n.number(r.course.value))}${cell(r.course.enrolledCount, i18n.number(r.course.enrolledCount))}${cell(r.course.ratingCount, i18n.number(r.course.ratingCount))}${cell(sortValue(r, 'mean'), r.mean === null ? '–' : i18n.number(r.mean, 2))}${cell(sortValue(r, 'rank'), r.rank === null ? '–' : String(r.rank))}${cell(r.ratedShare, i18n.percent(r.ratedShare, 0))}
</tr>`,
  );
  const reviews = view.reviews.map(
    (r) => html`<li><div class="muted">${t('reviewBy', { stars: r.stars, course: `#${r.courseNumber} ${r.courseTitle}`, member: r.memberName, when: i18n.dateTime(r.at) })}</div><blockquote>${r.review ?? ''}</blockquote></li>`,
  );
  const periods = STATS_PERIODS.map((d) => html`<a href="/?days=${d}"${d === view.days ? raw(' aria-current="page"') : ''}>${t('periodDays', { days: d })}</a>`);
  const body = html`<header><h1>${t('heading', { community: view.communityName })}</h1><form method="post" action="/signout"><button type="submit">${t('signOut')}</button></form></header>
<main>
<section class="cards" aria-label="${t('score')}">
${card(t('score'), latest ? i18n.number(latest.score, 2) : '–')}${card(t('satisfaction'), latest ? i18n.number(latest.satisfaction, 2) : '–')}${card(t('coverage'), latest ? i18n.percent(latest.coverage, 1) : '–')}${card(t('members'), latest ? i18n.number(latest.memberCount) : '–')}
</section>
<h2>${t('period')}</h2>
<nav class="periods">${periods}</nav>
<h2>${i18n.t('analytics:stats.title', { days: view.days })}</h2>
<figure>${raw(view.chartSvg)}<figcaption>${t('chart')}</figcaption></figure>
<h2>${t('courses')}</h2>
<p class="hint">${t('sortHint')}</p>
${
  view.courses.length === 0
    ? html`<p>${t('noCourses')}</p>`
    : html`<div class="scroll"><table data-sortable><thead><tr>${SORT_COLUMNS.map(header)}</tr></thead><tbody>${rows}</tbody></table></div>`
}
<h2>${t('reviews')}</h2>
${view.reviews.length === 0 ? html`<p>${t('noReviews')}</p>` : html`<ul class="reviews">${reviews}</ul>`}
<h2>${t('downloads')}</h2>
<ul><li><a href="/export/courses.csv" download>courses.csv</a></li><li><a href="/export/enrollments.csv" download>enrollments.csv</a></li><li><a href="/export/ratings.csv" download>ratings.csv</a></li></ul>
</main>`;
  return layout(i18n, t('pageTitle', { community: view.communityName }), body, true);
}
