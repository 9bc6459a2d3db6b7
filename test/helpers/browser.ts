import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/**
 * The system's Chromium (Debian's `chromium` package; CI installs it), driven by
 * playwright-core. No browser is ever downloaded: without one the browser tests
 * are skipped with a message saying how to get it.
 */
export function findChromium(): string | undefined {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((p): p is string => Boolean(p) && existsSync(p!));
}

export const NO_CHROMIUM = 'browser tests skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH)';

export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ['--disable-dev-shm-usage', '--disable-gpu'] });
}

/** Where tests leave screenshots (git-ignored). */
export const ARTIFACTS = resolve(fileURLToPath(new URL('../../test-artifacts', import.meta.url)));

export async function screenshot(page: Page, folder: string, name: string, fullPage = true): Promise<string> {
  const dir = join(ARTIFACTS, folder);
  await mkdir(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

/** Console errors and uncaught exceptions of a page, collected as they happen. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  return errors;
}
