import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser download cannot be reached from this machine. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * The browser's own time zone in the UI tests, which must never show on a page about a park:
 * New York, or any other zone named by ZRA_BROWSER_ZONE (a park's own zone proves nothing), so
 * the walk can be repeated from the other side of the date line.
 */
export const BROWSER_ZONE = browserZone(process.env.ZRA_BROWSER_ZONE ?? 'America/New_York');

function browserZone(zone: string): string {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone;
  } catch {
    throw new Error(
      `ZRA_BROWSER_ZONE "${zone}" is not an IANA time zone (e.g. Pacific/Kiritimati)`,
    );
  }
}

/** A headless Chromium whose pages collect every console error and uncaught page error. */
export interface TestBrowser {
  browser: Browser;
  /**
   * A new context and page at 1280×800 (the smallest screen the apps must work on). Console
   * errors, page errors and failed requests are collected for {@link TestBrowser.problems}.
   */
  newPage(options?: {
    viewport?: { width: number; height: number };
    /** The browser's own time zone (IANA), e.g. to prove a page shows another zone's times. */
    timezoneId?: string;
    /** The system colour scheme the page sees (`prefers-color-scheme`). */
    colorScheme?: 'light' | 'dark';
  }): Promise<Page>;
  /** Every console error, page error and failed request seen so far, in order. */
  problems(): string[];
  close(): Promise<void>;
}

/** Starts Debian's Chromium headless; tests assert `problems()` is empty at the end. */
export async function startBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium)`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Containers give Chromium a tiny /dev/shm; running as root needs the sandbox off.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const contexts: BrowserContext[] = [];
  const seen: string[] = [];
  return {
    browser,
    async newPage(options = {}) {
      const context = await browser.newContext({
        viewport: options.viewport ?? { width: 1280, height: 800 },
        ...(options.timezoneId ? { timezoneId: options.timezoneId } : {}),
        ...(options.colorScheme ? { colorScheme: options.colorScheme } : {}),
      });
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') seen.push(`console error: ${message.text()}`);
      });
      page.on('pageerror', (error) => seen.push(`page error: ${error.message}`));
      page.on('requestfailed', (request) => {
        const failure = request.failure()?.errorText ?? 'failed';
        // A navigation away aborts pending requests; that is not a problem of the page.
        if (failure !== 'net::ERR_ABORTED')
          seen.push(`request failed: ${request.url()} ${failure}`);
      });
      return page;
    },
    problems: () => [...seen],
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}
