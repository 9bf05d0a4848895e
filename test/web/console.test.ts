// The console in a real browser: Debian's Chromium driven by playwright-core (never a downloaded
// browser). Against the real `wardwatch serve --demo` it logs in with the printed password, finds
// the CMS8000 flagged, opens its detail and peer map, acknowledges and suppresses alerts, opens
// the breach report (also as printed); against a contract-checked fixture server it shows firmware
// findings and that markup in wire text renders as text. Screenshots go to test-output/screenshots/
// (gitignored) for a person to look at.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CAN_RUN_BROWSER, DIST, launchBrowser, login as loginAs, SHOTS, shot } from './browser.js';
import { type DemoServer, startDemoServer } from './demo-server.js';
import { type FixtureServer, startFixtureServer } from './fixture-server.js';
import { HOSTILE_NAME } from './fixture-data.js';

const login = (page: Page, url: string, password: string) => loginAs(page, url, 'admin', password);

describe.runIf(CAN_RUN_BROWSER)('console in headless Chromium', () => {
  let browser: Browser;
  let fixture: FixtureServer;
  let demo: DemoServer;

  beforeAll(async () => {
    browser = await launchBrowser();
    [fixture, demo] = await Promise.all([startFixtureServer(DIST), startDemoServer(DIST)]);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
    await demo?.close();
  });

  it('answers within a minute which device sends which patients data where (serve --demo)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(demo.url);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await shot(page, '01-login');
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await login(page, demo.url, demo.password);

    // The headline answers the question; the demo's ward fills in live, so poll for it.
    const headline = page.getByTestId('headline');
    await expect
      .poll(() => headline.textContent(), { timeout: 20_000 })
      .toMatch(/2 patient monitors sent \d+ patients?' data to 202\.114\.4\.120:515/);
    expect(await headline.textContent()).toContain('indicator, ICSMA-25-030-01');
    expect(await headline.textContent()).toMatch(/from Contec CMS8000 10\.40\.\d+\.\d+, Epsimed MN-120/);
    await page.getByTestId('risk-table').getByText('Contec CMS8000').first().waitFor();
    await page.getByText('● live').waitFor();
    await page.getByTestId('live-feed').waitFor({ timeout: 15_000 });
    await shot(page, '02-overview-1366');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await shot(page, '03-overview-1920');
    await page.setViewportSize({ width: 1366, height: 768 });

    // Devices: a backdoor monitor is flagged and first by risk; search narrows to the CMS8000.
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    const table = page.getByTestId('devices-table');
    await table.locator('tbody tr').first().waitFor();
    const first = table.locator('tbody tr').first();
    expect(await first.getAttribute('class')).toContain('flagged');
    expect(await first.textContent()).toMatch(/Contec CMS8000|Epsimed MN-120/);
    await shot(page, '04-devices');
    await page.getByLabel('Search devices').fill('cms8000');
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);

    // Device detail with the peer map (a canvas drawn by cytoscape).
    await table.getByRole('link', { name: /Contec CMS8000/ }).click();
    await page.getByTestId('device-title').waitFor();
    await page.getByTestId('peer-map').locator('canvas').first().waitFor();
    const peers = page.getByTestId('peer-table');
    expect(await peers.textContent()).toContain('202.114.4.120:515');
    expect(await peers.locator('tr.outside').count()).toBeGreaterThan(0);
    expect(await peers.getByText('no DNS').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('device-alerts').locator('tr.alert-row').count()).toBeGreaterThan(0);
    await page.waitForTimeout(500); // let the charts settle before the picture
    await shot(page, '05-device-detail');

    // The CMS8000 starts no TLS; the ward's workstation does: its JA4 and JA3 on its page (the demo
    // writes device snapshots as the ward runs, so reload until the workstation's is there).
    expect(await page.getByText('This device was not seen starting a TLS connection.').count()).toBe(1);
    const tls = page.getByTestId('device-tls');
    await expect
      .poll(
        async () => {
          await page.goto(`${demo.url}/devices/${encodeURIComponent('02:57:60:00:00:01')}`);
          return (await tls.textContent({ timeout: 3000 }).catch(() => '')) ?? '';
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toMatch(/Client fingerprint \(JA4\).*t13d\d{4}h2_[0-9a-f]{12}_[0-9a-f]{12}/);
    expect(await tls.textContent()).toMatch(/Client fingerprint \(JA3\).*[0-9a-f]{32}/);
    expect(await tls.textContent()).toContain('none seen'); // TLS 1.3: the server's certificate is encrypted
    await shot(page, '05b-device-tls');

    // Acknowledge an alert with a comment, then suppress another with a reason and an expiry.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const alerts = page.getByTestId('alerts-table');
    const row = alerts.locator('tr.alert-row', { hasText: 'phi.cleartext' }).first();
    await row.waitFor();
    // Its evidence says how to cut its packets for Wireshark, by the key the console shows.
    expect(await row.getByTestId('extract-hint').textContent()).toMatch(
      /wardwatch extract CAPTURE… --alert 'phi\.cleartext\|10\.40\.\d+\.\d+\|202\.114\.4\.120\|515' -o alert\.pcapng/,
    );
    await row.getByText('evidence', { exact: true }).click();
    await row.getByTestId('extract-hint').waitFor();
    await shot(page, '06b-alert-evidence');
    await row.getByText('evidence', { exact: true }).click();
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await row.getByPlaceholder(/Comment/).fill('Unplugged ethernet on bed 11, biomed ticket 4711');
    await shot(page, '06-alert-ack-form');
    await row.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByLabel('State').selectOption('acknowledged');
    await alerts.getByText('Unplugged ethernet on bed 11').waitFor();
    await page.getByLabel('State').selectOption('open');
    const other = alerts.locator('tr.alert-row', { hasText: 'egress.no-dns' }).first();
    await other.waitFor();
    await other.getByRole('button', { name: 'Suppress' }).click();
    await other.getByPlaceholder(/Reason/).fill('Known: CMS8000 on the isolated test bench');
    await other.getByRole('button', { name: 'Suppress' }).click();
    await page.getByLabel('State').selectOption('suppressed');
    await alerts.getByText('Known: CMS8000 on the isolated test bench').first().waitFor();
    await page.getByLabel('State').selectOption('');
    await alerts.getByText('Unplugged ethernet on bed 11').waitFor();
    await shot(page, '07-alerts-handled');

    // The breach report, on screen and as printed on A4 (no nav, nothing wider than the page).
    await page.getByRole('link', { name: 'Breach report' }).click();
    await page.getByTestId('breach-destination').first().waitFor();
    expect(Number(await page.getByTestId('breach-patients').textContent())).toBeGreaterThan(0);
    // the demo ward's copies went straight to the indicators: no proxy named
    expect(await page.getByTestId('breach-via').count()).toBe(0);
    await page.waitForTimeout(500);
    await shot(page, '08-breach');
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 718, height: 1000 }); // A4 less 14 mm margins at 96 dpi
    expect(await page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    // the charts follow the narrower page through a ResizeObserver, a moment later on a loaded machine
    const overflow = () =>
      page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth').then(Number);
    await expect.poll(overflow, { timeout: 5_000 }).toBeLessThanOrEqual(0);
    await shot(page, '09-breach-print');
    const pdf = join(SHOTS, '..', 'breach-report.pdf');
    await page.pdf({ path: pdf, format: 'A4', printBackground: true });
    console.log(`pdf: ${pdf}`);
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);

  it('shows firmware findings cross-linked to traffic (fixture)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await ctx.newPage();
    await login(page, fixture.url, fixture.password);
    await page.getByRole('link', { name: 'Firmware' }).click();
    await page.getByTestId('firmware-audit').first().waitFor();
    await page.getByText('Contacted on the wire by').waitFor();
    await page
      .getByTestId('firmware-audit')
      .getByText(/Contec CMS8000 10\.40\.12\.31/)
      .first()
      .waitFor();
    await shot(page, '10-firmware');
    await page.goto(`${fixture.url}/devices/${encodeURIComponent('02:57:40:00:00:11')}`);
    await page.getByTestId('firmware-links').waitFor();
    await ctx.close();
  }, 60_000);

  it('names the proxy through which records reached a destination (fixture)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await ctx.newPage();
    await login(page, fixture.url, fixture.password);
    await page.goto(`${fixture.url}/breach`);
    const via = page.getByTestId('breach-via').first();
    await via.waitFor();
    expect((await via.textContent())?.replace(/\s+/g, ' ')).toContain('directly and via proxy 10.1.1.5:3128');
    await shot(page, '12-breach-via');
    await ctx.close();
  }, 60_000);

  it('says a capped count is a lower bound: "at least 1", never 0, and the threshold unknown (fixture)', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await ctx.newPage();
    await login(page, fixture.url, fixture.password);
    await page.goto(`${fixture.url}/breach`);
    await page.getByTestId('breach-capped').waitFor();
    expect(await page.getByTestId('breach-patients').textContent()).toBe('at least 3');
    const capped = page.getByTestId('breach-destination').filter({ hasText: '198.51.100.77' });
    const text = (await capped.textContent())?.replace(/\s+/g, ' ') ?? '';
    expect(text).toContain('at least 1');
    expect(text).toContain('count capped: it may have reached the notification threshold');
    expect(text).not.toMatch(/Patients ?0/);
    await shot(page, '13-breach-capped');
    await ctx.close();
  }, 60_000);

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
    // A certificate's names are wire text too; a self-signed one past its notAfter says both.
    await page.goto(`${fixture.url}/devices/${encodeURIComponent('02:11:22:00:00:66')}`);
    const cert = page.getByTestId('server-cert');
    await cert.waitFor();
    expect(await cert.textContent()).toContain(`CN=${HOSTILE_NAME}`);
    expect(await cert.textContent()).toMatch(
      /self-signed.*expired.*valid .* shown by 203\.0\.113\.9:8443 \(update\.vendor\.example\)/,
    );
    expect(await page.getByTestId('device-tls').textContent()).toContain('0f'.repeat(32)); // a hash without its certificate
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    await shot(page, '11b-device-tls-certificates');
    await ctx.close();
  }, 60_000);
});
