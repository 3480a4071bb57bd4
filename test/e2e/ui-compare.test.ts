import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { suite } from '../../services/gateway/web/test/suite-fixture.js';
import { launchBrowser, WIDTHS, type TestBrowser } from './support/browser.js';
import { startSupervisedSystem, type SupervisedSystem } from './support/supervised-system.js';

/**
 * The Compare page against the real gateway process under the supervisor code on free ports, its
 * benchmark reports read from a directory of the test's own (`BENCH_SUITE_FILE`,
 * `BENCH_TOPOLOGIES_FILE`): with a suite run, the goals table says in words which goals hold and
 * which do not; without one, the page says how to run the suite. No screenshot: the figures are a
 * fixture's, not a run's.
 */
describe('The web UI: the Compare page, the performance suite', () => {
  let system: SupervisedSystem;
  let browser: TestBrowser;
  let page: Page;
  let dir: string;
  let suiteFile: string;

  const goals = () => page.getByRole('table', { name: 'The performance goals, and whether this run met them' });
  const goal = (id: string) => goals().locator(`tr[data-goal="${id}"]`);
  const suitePart = () => page.locator('#compare-suite');

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'microshop-bench-'));
    suiteFile = path.join(dir, 'suite.json');
    system = await startSupervisedSystem({ gatewayEnv: { BENCH_SUITE_FILE: suiteFile, BENCH_TOPOLOGIES_FILE: path.join(dir, 'topologies.json') } });
    browser = await launchBrowser();
    page = await browser.newPage(WIDTHS.desktop);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('When the suite has run, then the goals table labels each goal met or not met, above the pairings, and the page fits a phone', async () => {
    writeFileSync(suiteFile, JSON.stringify(suite));
    await page.goto(`${system.url}/compare`);
    await goal('1').waitFor({ timeout: 15_000 });
    expect(await suitePart().locator('#suite-goals .card-subtitle').textContent()).toBe('6 of 9 goals met. Not met: 2a, 5; not measured: 7.');

    expect(await goal('1').getAttribute('data-verdict')).toBe('met');
    expect(await goal('1').locator('.suite-verdict').innerText()).toBe('✓ Met');
    expect(await goal('2a').getAttribute('data-verdict')).toBe('missed');
    expect(await goal('2a').locator('.suite-verdict').innerText()).toBe('✗ Not met');
    expect(await goal('2a').innerText()).toContain('0.41×');
    expect(await goal('2a').innerText()).toContain('≥ 0.5×');
    const verdicts = await goals().locator('tr[data-goal] .suite-verdict').allInnerTexts();
    expect(verdicts.filter((v) => v === '✓ Met')).toHaveLength(6);
    expect(verdicts.filter((v) => v === '✗ Not met')).toHaveLength(2);
    expect(verdicts.filter((v) => v === '✗ Not measured')).toHaveLength(1);

    // The rest of the part: a bar per pairing, the open loop, the run's command; the topology part beside it has its own state.
    expect(await page.locator('[data-chart="pairing-ratios"] rect').count()).toBe(suite.pairings.length);
    expect(await page.locator('#suite-pairings tr[data-pairing="features"]').innerText()).toContain('1850 → 760');
    expect(await page.locator('#suite-open-loop tr[data-behind="true"]').count()).toBe(1);
    expect(await page.locator('#suite-run .compare-command').textContent()).toBe('npm run bench');
    expect(await page.locator('#compare-topologies .banner').textContent()).toContain('npm run bench -- --compare-topologies');

    await page.setViewportSize(WIDTHS.phone);
    await page.waitForTimeout(500);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(WIDTHS.phone.width);
    await page.setViewportSize(WIDTHS.desktop);
  });

  test('When the suite has not run, then Reload shows the banner saying to run npm run bench with the ports free, and no goals', async () => {
    rmSync(suiteFile);
    await page.getByRole('button', { name: 'Reload' }).click();
    const banner = suitePart().getByRole('status');
    await banner.waitFor({ timeout: 15_000 });
    const text = await banner.innerText();
    expect(text).toContain('The performance suite has not been run on this machine yet');
    expect(text).toContain('run npm run bench;');
    expect(text).toContain('nothing else on ports 5000–5011');
    expect(await goals().count()).toBe(0);
  });

  test('No page showed a console error or warning but the browser’s note of the missing reports (404)', () => {
    expect(browser.problems(/^404$/)).toEqual([]);
  });
});
