// The console in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
// browser). It logs in, finds the CMS8000 flagged, opens its detail and peer map, acknowledges an
// alert, opens the breach report (also as printed), and shows that markup in wire text renders as
// text. Screenshots go to test-output/screenshots/ (gitignored) for a person to look at.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IN_CI, REPO_ROOT } from '../helpers/paths.js';
import { type FixtureServer, startFixtureServer } from './fixture-server.js';
import { HOSTILE_NAME } from './fixture-data.js';

const CHROMIUM = process.env.WARDWATCH_CHROMIUM ?? '/usr/bin/chromium';
const DIST = join(REPO_ROOT, 'web/dist');
const SHOTS = join(REPO_ROOT, 'test-output/screenshots');
const haveChromium = existsSync(CHROMIUM);

async function shot(page: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

async function login(page: Page, url: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User name').fill('admin');
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

// Without Chromium the test cannot run: a loud failure in CI, a skip on a developer's machine.
describe.runIf(haveChromium || IN_CI)('console in headless Chromium', () => {
  let browser: Browser;
  let fixture: FixtureServer;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup-system.sh)`);
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('web/dist is missing: run npm run build');
    mkdirSync(SHOTS, { recursive: true });
    fixture = await startFixtureServer(DIST);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-quic',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('answers within a minute which device sends which patients data where', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(fixture.url);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await shot(page, '01-login');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await login(page, fixture.url, fixture.password);

    const headline = page.getByTestId('headline');
    await expect
      .poll(() => headline.textContent())
      .toContain("2 patient monitors sent 2 patients' data to 202.114.4.120:515");
    expect(await headline.textContent()).toContain('indicator, ICSMA-25-030-01');
    await page.getByTestId('risk-table').getByText('Contec CMS8000').first().waitFor();
    await page.getByText('● live').waitFor();
    await shot(page, '02-overview-1366');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await shot(page, '03-overview-1920');
    await page.setViewportSize({ width: 1366, height: 768 });

    // Devices: the CMS8000 is flagged and first by risk.
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    const table = page.getByTestId('devices-table');
    await table.waitFor();
    const first = table.locator('tbody tr').first();
    expect(await first.getAttribute('class')).toContain('flagged');
    expect(await first.textContent()).toMatch(/Contec CMS8000|Epsimed MN-120/);
    await page.getByLabel('Search devices').fill('cms8000');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);
    await shot(page, '04-devices');

    // Device detail with the peer map (a canvas drawn by cytoscape).
    await table.getByRole('link', { name: /Contec CMS8000/ }).click();
    await page.getByTestId('device-title').waitFor();
    await page.getByTestId('peer-map').locator('canvas').first().waitFor();
    const peers = page.getByTestId('peer-table');
    expect(await peers.textContent()).toContain('202.114.4.120:515');
    expect(await peers.locator('tr.outside').count()).toBeGreaterThan(0);
    expect(await page.getByText('no DNS').count()).toBeGreaterThan(0);
    await page.waitForTimeout(300); // let the charts settle before the picture
    await shot(page, '05-device-detail');

    // Acknowledge an alert with a comment.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const alerts = page.getByTestId('alerts-table');
    await alerts.waitFor();
    const openBefore = await alerts.locator('tr.alert-row').count();
    const row = alerts.locator('tr.alert-row', { hasText: 'phi.cleartext' }).first();
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await row.getByPlaceholder(/Comment/).fill('Unplugged ethernet on bed 11, biomed ticket 4711');
    await shot(page, '06-alert-ack-form');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(() => alerts.locator('tr.alert-row').count()).toBe(openBefore - 1);
    await page.getByLabel('State').selectOption('acknowledged');
    await alerts.getByText('Unplugged ethernet on bed 11').waitFor();
    await shot(page, '07-alerts-acknowledged');

    // The breach report, on screen and as printed on A4 (no nav, nothing wider than the page).
    await page.getByRole('link', { name: 'Breach report' }).click();
    await page.getByTestId('breach-destination').first().waitFor();
    expect(await page.getByTestId('breach-patients').textContent()).toBe('2');
    await page.waitForTimeout(300);
    await shot(page, '08-breach');
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 718, height: 1000 }); // A4 less 14 mm margins at 96 dpi
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(Number(overflow)).toBeLessThanOrEqual(0);
    await shot(page, '09-breach-print');
    const pdf = join(SHOTS, '..', 'breach-report.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    console.log(`pdf: ${pdf}`);
    await page.emulateMedia({ media: 'screen' });

    // Firmware audits.
    await page.setViewportSize({ width: 1366, height: 768 });
    await page.getByRole('link', { name: 'Firmware' }).click();
    await page.getByTestId('firmware-audit').first().waitFor();
    await page.getByText('Contacted on the wire by').waitFor();
    await page
      .getByTestId('firmware-audit')
      .getByText(/Contec CMS8000 10\.40\.12\.31/)
      .first()
      .waitFor();
    await shot(page, '10-firmware');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('renders markup from the wire as text', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await ctx.newPage();
    await login(page, fixture.url, fixture.password);
    await page.goto(`${fixture.url}/devices`);
    const table = page.getByTestId('devices-table');
    await table.getByText(HOSTILE_NAME).first().waitFor();
    await page.goto(`${fixture.url}/alerts`);
    await page.getByTestId('alerts-table').getByText(`banner ${HOSTILE_NAME}`).waitFor();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await shot(page, '11-hostile-text');
    await ctx.close();
  });
});
