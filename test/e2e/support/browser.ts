import { onMonolith } from './topology.js';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { ROOT_DIR } from './system.js';

/** Debian's chromium: the browser the UI tests drive (never a downloaded one). */
export const CHROMIUM = '/usr/bin/chromium';

/** What chromium needs to run headless in a container, and to stay off the network. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
] as const;

/** Where the test run saves its screenshots (they illustrate the README). */
export const SCREENSHOT_DIR = path.join(ROOT_DIR, 'docs/screenshots');

/** The two widths every page is checked and photographed at: a laptop, and a phone. */
export const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;

/** A browser with a fresh profile, and what its pages reported. */
export interface TestBrowser {
  context: BrowserContext;
  /** A new tab at the given size, its console and page errors recorded. */
  newPage(size?: { width: number; height: number }): Promise<Page>;
  /**
   * Console errors and warnings and uncaught page errors of every tab, except the browser's own
   * report of an HTTP error status, which `expected` may allow (the shop shows the API's 4xx on
   * purpose).
   */
  problems(expected?: RegExp): string[];
  close(): Promise<void>;
}

/** The browser's own log line for a response with an error status (it logs one for every such fetch). */
const FAILED_RESOURCE = /^Failed to load resource: the server responded with a status of (\d{3})/;

/**
 * Starts Debian's chromium with a fresh profile in a temporary directory. Close it with `close()`,
 * which also removes the profile.
 *
 * @example
 * const browser = await launchBrowser()
 * const page = await browser.newPage(WIDTHS.phone)
 * expect(browser.problems()).toEqual([])
 */
export async function launchBrowser(): Promise<TestBrowser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'microshop-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS],
    viewport: WIDTHS.desktop,
    locale: 'en-GB',
    timezoneId: 'UTC',
  });
  const messages: { text: string; status: number | undefined }[] = [];
  const watch = (page: Page) => {
    page.on('console', (message: ConsoleMessage) => {
      if (message.type() !== 'error' && message.type() !== 'warning') return;
      const status = FAILED_RESOURCE.exec(message.text())?.[1];
      messages.push({ text: `${message.type()}: ${message.text()} (${page.url()})`, status: status === undefined ? undefined : Number(status) });
    });
    page.on('pageerror', (error) => messages.push({ text: `page error: ${error.message} (${page.url()})`, status: undefined }));
  };
  for (const page of context.pages()) watch(page);
  context.on('page', watch);
  return {
    context,
    async newPage(size = WIDTHS.desktop) {
      const page = await context.newPage();
      await page.setViewportSize(size);
      return page;
    },
    problems: (expected) => messages.filter((m) => !(expected && m.status !== undefined && expected.test(String(m.status)))).map((m) => m.text),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Saves a full-page PNG of what the page shows now as `docs/screenshots/<name>.png` (in a run against
 * the monolith, under the temporary directory), from the top of the page, with animations settled.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  // The README shows the microservices; a run against the monolith keeps its pictures out of docs/.
  const dir = onMonolith ? path.join(tmpdir(), 'microshop-monolith-screenshots') : SCREENSHOT_DIR;
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}
