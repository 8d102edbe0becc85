import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore } from '../../src/composition/app.ts';
import { SqliteStore } from '../../src/infra/sqlite/sqlite-store.ts';
import { silentLogger } from '../../src/ports/logger.ts';
import type { ConsoleAdapter } from '../../adapters/console/console-adapter.ts';
import { lineConsole } from '../support/console.ts';
import { startDashboard, type DashboardServer } from '../../adapters/dashboard/server.ts';
import { DailyHistory, recomputeCommunity } from '../../jobs/recompute.ts';
import { CHROMIUM, launchChromium } from '../support/chromium.ts';

/**
 * Issue 16's dashboard in a real browser (Debian's Chromium through playwright-core): a
 * moderator's /dashboard link signs in, the page shows the charts and the course table, sorts
 * it without a reload, downloads a CSV; a hostile course title shows as text with no script
 * run and no CSP violation; a reused or tampered link gets 403. The run saves the README's
 * screenshots (docs/images).
 */
const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url));
const HOSTILE = '<img src=x onerror=alert(1)>';
const DAY = 24 * 60 * 60 * 1000;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const available = existsSync(CHROMIUM);

// Chromium shares CI's two cores with the other suites: a step gets STEP_MS (so a stuck step fails
// naming itself), a test twice that, and one retry, since a loaded machine has stalled it before.
const STEP_MS = 25_000;

describe.skipIf(!available)('the moderators’ dashboard in Chromium', { timeout: 2 * STEP_MS + 10_000, retry: 1 }, () => {
  let dir: string;
  let store: SqliteStore;
  let dashboard: DashboardServer;
  let consoleAdapter: ConsoleAdapter;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let now = Date.parse('2026-11-10T09:00:00Z');
  const clock = { now: () => new Date(now) };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'syllabot-dashboard-'));
    store = SqliteStore.open({ path: join(dir, 'dashboard.sqlite') });
    const core = createCore({ store, logger: silentLogger, config: { BAYES_PRIOR_WEIGHT: 5 }, clock });
    const port = await freePort();
    dashboard = await startDashboard({ core, logger: silentLogger, port, host: '127.0.0.1', publicUrl: `http://localhost:${port}`, secret: Buffer.alloc(32, 7), priorWeight: 5 });
    core.analytics.dashboard = dashboard.links;
    consoleAdapter = lineConsole(core, { community: 'rustaceans' });
    // Three weeks of a community: courses, members enrolling and rating, a snapshot a day.
    for (const [title, value] of [['Rust 101', 3], ['Async Rust', 2], [HOSTILE, 1], ['Go 入门', 1], ['Embedded', 1]] as const) {
      await consoleAdapter.runLine(`/course add title:"${title}" value:${value}`);
    }
    const community = (await store.findCommunity({ platform: 'console', externalId: 'rustaceans' }))!;
    const courses = await store.listActiveCourses(community.id);
    const history = new DailyHistory(5);
    for (let day = 0; day < 21; day++) {
      for (let m = 0; m < 3; m++) {
        const member = await store.upsertMember(community.id, `m${day}-${m}`, m === 2 ? '<script>alert(2)</script>' : `Member ${day}-${m}`);
        const course = courses[(day * 3 + m) % courses.length]!;
        await store.enroll(community.id, member.id, course.id, clock.now());
        if ((day + m) % 4 !== 0) {
          await store.rate(community.id, member.id, course.id, 2 + ((day + m * 2) % 4), m === 1 ? `Week ${Math.floor(day / 7) + 1}: <b>great</b> & clear` : null, clock.now());
        }
      }
      await recomputeCommunity(store, community.id, clock, silentLogger, history);
      now += DAY;
    }
    browser = await launchChromium({ stepTimeoutMs: STEP_MS });
  });
  afterAll(async () => {
    await browser?.close();
    await dashboard?.stop();
    await store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signInLink(): Promise<string> {
    const out = await consoleAdapter.runLine('/dashboard');
    const url = /http:\/\/localhost:\d+\/signin\?t=[A-Za-z0-9._-]+/.exec(out)?.[0];
    expect(url, out).toBeDefined();
    return url!;
  }

  /** A page that records what must never happen: dialogs (a script ran) and CSP violations. */
  async function watchedPage(): Promise<{ page: Page; dialogs: string[]; violations: string[] }> {
    const page = await browser.context.newPage();
    const dialogs: string[] = [];
    const violations: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
    });
    return { page, dialogs, violations };
  }

  it('given a moderator link, when opened, then figures, charts, the table, reviews and downloads show', async () => {
    const { page, dialogs, violations } = await watchedPage();
    const response = await page.goto(await signInLink());
    expect(response?.status()).toBe(200);
    await page.waitForURL(/\/$/);
    await expect.poll(() => page.locator('h1').textContent()).toBe('rustaceans: learning health');
    const cookies = await browser.context.cookies();
    expect(cookies.find((c) => c.name === 'syllabot_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(page.url()).not.toContain('t=');
    expect(await page.locator('.card .value').count()).toBe(4);
    expect(await page.locator('figure svg').count()).toBe(1);
    expect(await page.locator('figure svg path').count()).toBeGreaterThan(10);
    expect(await page.locator('table[data-sortable] tbody tr').count()).toBe(5);
    expect(await page.locator('ul.reviews li').count()).toBeGreaterThan(0);
    // Member text is text: the hostile title, a script display name and markup in a review.
    expect(await page.getByText(HOSTILE, { exact: true }).count()).toBe(1);
    expect(await page.locator('td.title img').count()).toBe(0);
    expect(await page.locator('ul.reviews b').count()).toBe(0);
    expect(await page.locator('body script:not([src])').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(violations).toEqual([]);
    mkdirSync(IMAGES, { recursive: true });
    await page.screenshot({ path: join(IMAGES, 'dashboard.png'), fullPage: true });
    await page.close();
  });

  it('given the table, when a column heading is clicked, then it sorts in place without a reload', async () => {
    const { page, violations } = await watchedPage();
    await page.goto(await signInLink());
    await page.waitForURL(/\/$/);
    await page.waitForSelector('table[data-sortable]');
    // A mark on this document: a reload would start a new one without it.
    await page.evaluate(() => Object.assign(globalThis, { sortedInPlace: true }));
    const enrolled = () => page.locator('tbody tr td:nth-child(4)').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-value'))));
    await page.locator('th[data-column="enrolled"] a').click();
    await expect.poll(async () => page.locator('th[data-column="enrolled"]').getAttribute('aria-sort')).toBe('ascending');
    const ascending = await enrolled();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.locator('th[data-column="enrolled"] a').click();
    await expect.poll(async () => page.locator('th[data-column="enrolled"]').getAttribute('aria-sort')).toBe('descending');
    const descending = await enrolled();
    expect(descending).toEqual([...ascending].reverse());
    expect(await page.evaluate(() => (globalThis as unknown as { sortedInPlace?: boolean }).sortedInPlace)).toBe(true);
    expect(page.url()).toContain('sort=enrolled&dir=desc');
    expect(violations).toEqual([]);
    await page.close();
  });

  it('given the downloads, when ratings.csv is clicked, then a UTF-8 CSV with a BOM downloads and parses', async () => {
    const { page } = await watchedPage();
    await page.goto(await signInLink());
    await page.waitForURL(/\/$/);
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[href="/export/ratings.csv"]').click()]);
    const path = join(dir, 'ratings.csv');
    await download.saveAs(path);
    const raw = readFileSync(path);
    expect([...raw.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(raw, { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.length).toBeGreaterThan(30);
    expect(rows.some((r) => r.course_title === HOSTILE)).toBe(true);
    await page.close();
  });

  it('given a used, a tampered or a missing link, when opened, then 403 says to run /dashboard again', async () => {
    const { page } = await watchedPage();
    const link = await signInLink();
    expect((await page.goto(link))?.status()).toBe(200);
    // Let the sign-in page's refresh finish, so the requests below do not race a navigation.
    await page.waitForURL(/\/$/);
    // Requests from the same browser profile (its cookies), free of the sign-in page's refresh.
    const reused = await page.request.get(link);
    expect(reused.status()).toBe(403);
    expect(await reused.text()).toContain('Run /dashboard again');
    const fresh = await signInLink();
    const tampered = fresh.replace(/t=(.)/, (_, c: string) => `t=${c === 'A' ? 'B' : 'A'}`);
    expect((await page.request.get(tampered)).status()).toBe(403);
    expect((await page.request.get(fresh.replace(/\.[^.]+$/, '.AAAA'))).status()).toBe(403);
    expect((await page.request.get(fresh.replace(/\?t=.*$/, ''))).status()).toBe(403);
    await page.close();
  });

  it('given a phone-width screen, when the dashboard opens, then nothing overflows sideways but the table', async () => {
    const phone = await launchChromium({ viewport: { width: 390, height: 844 }, stepTimeoutMs: STEP_MS });
    try {
      const page = await phone.context.newPage();
      await page.goto(await signInLink());
      await page.waitForURL(/\/$/);
      await page.waitForSelector('figure svg');
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.screenshot({ path: join(IMAGES, 'dashboard-phone.png'), fullPage: false });
    } finally {
      await phone.close();
    }
  });

  it('given the /stats chart address Slack fetches, when opened, then it is the PNG (saved for the README)', async () => {
    const community = (await store.findCommunity({ platform: 'console', externalId: 'rustaceans' }))!;
    const url = dashboard.links.chartUrl({ communityId: community.id, days: 30, locale: 'en' })!;
    const page = await browser.context.newPage();
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toBe('image/png');
    const png = await response!.body();
    expect([...png.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    writeFileSync(join(IMAGES, 'stats-chart.png'), png);
    expect((await page.request.get(url.replace(/\/chart\/./, '/chart/X'))).status()).toBe(404);
    await page.close();
  });
});
