import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, with a throwaway profile and nothing phoning home. */
export async function launchChromium(options: { viewport?: { width: number; height: number }; downloads?: boolean; stepTimeoutMs?: number } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'syllabot-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: options.viewport ?? { width: 1280, height: 900 },
    acceptDownloads: options.downloads ?? true,
  });
  // Below the test's own timeout, so a stuck navigation or click fails with its name.
  if (options.stepTimeoutMs) context.setDefaultTimeout(options.stepTimeoutMs);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
