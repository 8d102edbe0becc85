import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono, type Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { z } from 'zod';
import type { Core } from '../../src/core/facade.ts';
import { exportFiles } from '../../src/core/csv-export.ts';
import { chartLabels, loadStats } from '../../src/core/stats-view.ts';
import type { Translator } from '../../src/core/i18n.ts';
import { chunksOf } from '../../src/domain/files.ts';
import type { Locale } from '../../src/domain/model.ts';
import { averageRating, rankCourses } from '../../src/domain/score.ts';
import { STATS_PERIODS } from '../../src/domain/stats.ts';
import type { DashboardLinks } from '../../src/ports/analytics.ts';
import type { Logger } from '../../src/ports/logger.ts';
import type { RequestClaims } from '../../src/ports/request-claims.ts';
import { STYLE_SHEET, TABLE_SCRIPT } from './assets.ts';
import { dashboardPage, messagePage, signedInPage, SORT_COLUMNS, sortValue, type CourseRowView, type SortColumn } from './pages.ts';
import { inlineSafeSvg } from './svg.ts';
import { TokenSigner } from './tokens.ts';

const MINUTE = 60_000;
/** Sign-in links are good for 15 minutes, once. */
export const LINK_TTL_MS = 15 * MINUTE;
const SESSION_TTL_MS = 8 * 60 * MINUTE;
/** Slack fetches (and caches) an image block's picture when the message is shown. */
const CHART_URL_TTL_MS = 7 * 24 * 60 * MINUTE;
const SIGN_IN_ATTEMPTS = 10;
const SIGN_IN_WINDOW_MS = MINUTE;
const MAX_SESSIONS = 10_000;
const COOKIE = 'syllabot_session';
const RECENT_REVIEWS = 10;

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const pageQuery = z.object({
  days: z.coerce.number().pipe(z.union(STATS_PERIODS.map((d) => z.literal(d)) as unknown as [z.ZodLiteral<30>, z.ZodLiteral<90>, z.ZodLiteral<365>])).catch(30),
  sort: z.enum(SORT_COLUMNS as unknown as [SortColumn, ...SortColumn[]]).catch('rank'),
  dir: z.enum(['asc', 'desc']).catch('asc'),
});
const EXPORTS = ['courses.csv', 'enrollments.csv', 'ratings.csv'] as const;

interface Session {
  communityId: string;
  memberId: string;
  locale: Locale;
  expiresAt: number;
}

export interface DashboardOptions {
  core: Core;
  logger: Logger;
  port: number;
  /** Where people and platforms reach the dashboard; default http://localhost:<port>. */
  publicUrl?: string | undefined;
  secret: Buffer;
  priorWeight: number;
  /** Shared "used" marks for sign-in links (Redis), so a link works once across processes. */
  claims?: RequestClaims;
  now?: () => number;
  host?: string;
}

export interface DashboardServer {
  readonly links: DashboardLinks;
  readonly url: string;
  port(): number;
  stop(): Promise<void>;
}

/**
 * The moderators' read-only web dashboard (Hono on Node): a one-time signed link from
 * /dashboard becomes a session cookie for one community; pages are server-rendered HTML that
 * works without JavaScript.
 */
export async function startDashboard(options: DashboardOptions): Promise<DashboardServer> {
  const { core, logger } = options;
  const now = options.now ?? Date.now;
  const signer = new TokenSigner(options.secret);
  const sessions = new Map<string, Session>();
  const usedNonces = new Map<string, number>();
  const attempts = new Map<string, number[]>();
  let base = options.publicUrl?.replace(/\/$/, '');

  const translator = (locale: Locale): Translator => core.catalog.translator(locale);

  function rateLimited(address: string): boolean {
    const since = now() - SIGN_IN_WINDOW_MS;
    const recent = (attempts.get(address) ?? []).filter((t) => t > since);
    recent.push(now());
    attempts.set(address, recent);
    if (attempts.size > MAX_SESSIONS) attempts.delete(attempts.keys().next().value!);
    return recent.length > SIGN_IN_ATTEMPTS;
  }

  async function claimNonce(nonce: string, expiresAt: number): Promise<boolean> {
    for (const [n, until] of usedNonces) if (until <= now()) usedNonces.delete(n);
    if (usedNonces.has(nonce)) return false;
    usedNonces.set(nonce, expiresAt);
    return options.claims ? options.claims.claim(`dashboard-link:${nonce}`, Math.max(1, expiresAt - now())) : true;
  }

  function session(c: Context): Session | null {
    const id = getCookie(c, COOKIE);
    const found = id ? sessions.get(id) : undefined;
    if (!found) return null;
    if (found.expiresAt <= now()) {
      sessions.delete(id!);
      return null;
    }
    return found;
  }

  const isLocal = (c: Context) => ['localhost', '127.0.0.1', '[::1]'].includes(new URL(c.req.url).hostname);

  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('Content-Security-Policy', CSP);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Cache-Control', 'no-store');
  });

  app.get('/assets/table.js', (c) => c.body(TABLE_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' }));
  app.get('/assets/dashboard.css', (c) => c.body(STYLE_SHEET, 200, { 'Content-Type': 'text/css; charset=utf-8' }));

  app.get('/signin', async (c) => {
    const address = getConnInfo(c).remote.address ?? 'unknown';
    const fallback = translator('en');
    if (rateLimited(address)) {
      logger.warn({ component: 'dashboard', address }, 'dashboard sign-in rate limit hit');
      return c.html(messagePage(fallback, fallback.t('analytics:dashboard.deniedTitle'), fallback.t('analytics:dashboard.tooMany')), 429);
    }
    const signIn = signer.readSignIn(c.req.query('t') ?? '', now());
    const i18n = signIn ? translator(signIn.locale) : fallback;
    const denied = () => c.html(messagePage(i18n, i18n.t('analytics:dashboard.deniedTitle'), i18n.t('analytics:dashboard.denied')), 403);
    if (!signIn) return denied();
    if (!(await claimNonce(signIn.nonce, signIn.expiresAt))) {
      logger.warn({ component: 'dashboard', community: signIn.communityId }, 'a dashboard link was used again and refused');
      return denied();
    }
    const id = randomBytes(32).toString('base64url');
    sessions.set(id, { communityId: signIn.communityId, memberId: signIn.memberId, locale: signIn.locale, expiresAt: now() + SESSION_TTL_MS });
    if (sessions.size > MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
    setCookie(c, COOKIE, id, { httpOnly: true, sameSite: 'Strict', secure: !isLocal(c), path: '/', maxAge: SESSION_TTL_MS / 1000 });
    logger.info({ component: 'dashboard', community: signIn.communityId, member: signIn.memberId }, 'moderator signed in to the dashboard');
    return c.html(signedInPage(i18n));
  });

  app.post('/signout', (c) => {
    const id = getCookie(c, COOKIE);
    if (id) sessions.delete(id);
    deleteCookie(c, COOKIE, { path: '/', secure: !isLocal(c) });
    const i18n = translator(session(c)?.locale ?? 'en');
    return c.html(messagePage(i18n, i18n.t('analytics:dashboard.signOut'), i18n.t('analytics:dashboard.signedOut')));
  });

  app.get('/', async (c) => {
    const s = session(c);
    if (!s) {
      const i18n = translator('en');
      return c.html(messagePage(i18n, i18n.t('analytics:dashboard.deniedTitle'), i18n.t('analytics:dashboard.expired')), 403);
    }
    const i18n = translator(s.locale);
    const community = await core.store.getCommunity(s.communityId);
    if (!community) return c.html(messagePage(i18n, i18n.t('analytics:dashboard.deniedTitle'), i18n.t('analytics:dashboard.expired')), 403);
    const query = pageQuery.parse(c.req.query());
    const stats = await loadStats({ store: core.store, community, clock: core.clock, settings: { priorWeight: options.priorWeight } }, query.days);
    const charts = core.analytics.charts;
    const chartSvg = charts ? inlineSafeSvg(await charts.svg(stats, chartLabels(i18n))) : '';
    const courses = await core.store.listActiveCourses(community.id);
    const ranks = new Map(rankCourses(courses, options.priorWeight).map((r) => [r.item.id, r.rank]));
    const rows: CourseRowView[] = courses.map((course) => ({
      course,
      mean: averageRating(course),
      rank: ranks.get(course.id) ?? null,
      ratedShare: course.enrolledCount > 0 ? Math.min(1, course.ratingCount / course.enrolledCount) : 0,
    }));
    const direction = query.dir === 'asc' ? 1 : -1;
    rows.sort((a, b) => {
      const x = sortValue(a, query.sort);
      const y = sortValue(b, query.sort);
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * direction || a.course.number - b.course.number;
    });
    const reviews = await core.store.listRecentReviews(community.id, RECENT_REVIEWS);
    return c.html(dashboardPage(i18n, { communityName: community.name, days: query.days, stats, chartSvg, courses: rows, sort: { column: query.sort, dir: query.dir }, reviews }));
  });

  app.get('/export/:name', async (c) => {
    const s = session(c);
    const name = c.req.param('name');
    if (!s || !(EXPORTS as readonly string[]).includes(name)) return c.text('', s ? 404 : 403);
    const files = exportFiles(core.store, s.communityId, options.priorWeight);
    const file = name === 'courses.csv' ? files.courses : name === 'enrollments.csv' ? files.enrollments : files.ratings;
    const chunks = chunksOf(file.content)[Symbol.asyncIterator]();
    // Streamed: a large community's file is written as the store pages come in.
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const next = await chunks.next();
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      async cancel() {
        await chunks.return?.();
      },
    });
    return c.body(stream, 200, { 'Content-Type': file.contentType, 'Content-Disposition': `attachment; filename="${file.name}"` });
  });

  app.get('/chart/:file', async (c) => {
    const match = /^(.+)\.png$/.exec(c.req.param('file'));
    const ref = match ? signer.readChart(match[1]!, now()) : null;
    const community = ref ? await core.store.getCommunity(ref.communityId) : null;
    const charts = core.analytics.charts;
    if (!ref || !community || !charts) return c.text('', 404);
    const stats = await loadStats({ store: core.store, community, clock: core.clock, settings: { priorWeight: options.priorWeight } }, ref.days);
    const chart = await charts.png(stats, chartLabels(translator(ref.locale)));
    return c.body(new Uint8Array(chart.png), 200, { 'Content-Type': 'image/png' });
  });

  app.notFound((c) => {
    const i18n = translator('en');
    return c.html(messagePage(i18n, i18n.t('analytics:dashboard.notFound'), i18n.t('analytics:dashboard.notFound')), 404);
  });
  app.onError((error, c) => {
    logger.error({ component: 'dashboard', err: error }, 'dashboard request failed');
    return c.text('', 500);
  });

  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: app.fetch, port: options.port, hostname: options.host ?? '0.0.0.0' }, () => resolve(started));
  });
  const port = (server.address() as AddressInfo).port;
  base ??= `http://localhost:${port}`;
  const links: DashboardLinks = {
    signInLink: ({ communityId, memberId, locale }) => `${base}/signin?t=${signer.signIn({ communityId, memberId, locale, expiresAt: now() + LINK_TTL_MS })}`,
    chartUrl: ({ communityId, days, locale }) =>
      options.publicUrl ? `${base}/chart/${signer.chart({ communityId, days, locale, expiresAt: now() + CHART_URL_TTL_MS })}.png` : null,
  };
  logger.info({ component: 'dashboard', port, url: base }, 'dashboard listening');
  return {
    links,
    url: base,
    port: () => port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}
