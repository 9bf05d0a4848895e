// The console with many sensors (issue 20) in headless Chromium against the real console (buildApp
// over a fresh SQLite store with the simulated local ward, web/dist): two remote sensors have
// shipped a batch, each its own pump, destination and patients. The admin sees the sensors' rate,
// lag, capture loss and tokens, creates a token (shown once, with a copy button) and revokes it; picks a sensor
// on the overview (in the URL: Back undoes it, a link opens it) and the counts follow; sees a remote
// device's MAC and sensor apart; and the breach page's HL7 fields in plain words. Screenshots go to
// test-output/screenshots/ (look at them).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/server/auth/users.js';
import { type Console, consoleApp } from '../server/helpers.js';
import { PUMP_MAC, sensorBatch } from '../store/sensor-batch.js';
import { TEST_SALT } from '../store/ward.js';
import { CAN_RUN_BROWSER, DIST, launchBrowser, login, shot } from './browser.js';

/** ward-5-oncology's pump sends 2 patients' identifier and birth date to its own destination. */
function oncologyBatch(seq = 0) {
  const b = sensorBatch('ward-5-oncology', seq);
  b.rows.exposure = b.rows.exposure.map((e) => ({ ...e, ip: '203.0.113.77', fields: ['PID-7', 'PID-3', 'PID-8'] }));
  b.rows.patients = ['aa', 'bb'].map((h) => ({ ip: '203.0.113.77', port: 2575, patient_hash: h.repeat(16) }));
  b.rows.minutes = b.rows.minutes.map((m) => ({ ...m, ip: '203.0.113.77' }));
  b.rows.flows = b.rows.flows.map((f) => ({ ...f, peer_ip: '203.0.113.77' }));
  b.records = b.records.map((r) => (r.type === 'alert' ? { ...r, dst: { ...r.dst, ip: '203.0.113.77' } } : r));
  return b;
}

describe.runIf(CAN_RUN_BROWSER)('many sensors in headless Chromium', () => {
  let browser: Browser;
  let c: Console;
  let url: string;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    browser = await launchBrowser();
    c = await consoleApp({ webDist: DIST, salt: TEST_SALT, loginPerMinute: 100 });
    const store = c.ctx.store;
    const now = new Date(Date.now() - 30_000).toISOString();
    // ward-5-oncology's live capture is losing packets (tcpdump's counts, migration 9).
    const lossy = {
      ...oncologyBatch(),
      capture: { received: 480_000, dropped: 1200, interfaceDropped: 0 },
      tcpGaps: { acks: 1040, gaps: 100, bytes: 100_000 },
    };
    for (const b of [sensorBatch('ward-3-icu', 0), lossy]) {
      tokens.set(b.sensor, (await createToken(store, b.sensor, 'ingest')).token);
      b.records = b.records.map((r) => ({ ...r, first: now, last: now }));
      await store.sensors.apply(b);
    }
    await store.sensors.ensure('ward-7-spare', 'East wing');
    url = await c.app.listen({ host: '127.0.0.1', port: 0 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await c?.close();
  });

  const asAdmin = async (width = 1366, height = 768) => {
    const ctx = await browser.newContext({ viewport: { width, height } });
    const page = await ctx.newPage();
    await login(page, url, 'adam', c.passwords.admin);
    return { ctx, page };
  };

  it('lists sensors with rate and lag, creates a token shown once, revokes it', async () => {
    const { ctx, page } = await asAdmin(1400, 900);
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sensors' }).click();
    const table = page.getByTestId('sensors-table');
    await table.locator('tr', { hasText: 'ward-5-oncology' }).waitFor();
    const icu = table.locator('tr', { hasText: 'ward-3-icu' });
    await expect(icu.textContent()).resolves.toMatch(/src-ward-3-icu #0/);
    await expect(icu.textContent()).resolves.toMatch(/\d+ s/); // lag about 30 s
    await expect(table.locator('tr', { hasText: 'ward-7-spare' }).textContent()).resolves.toMatch(/never/);
    // Capture loss: the oncology sensor's kernel dropped 0.25 % of what its filter passed; the ICU
    // sensor sent no counts (a file replay).
    const loss = table.locator('tr', { hasText: 'ward-5-oncology' }).getByTestId('capture-loss');
    await expect(loss.textContent()).resolves.toBe('losing packets 1200 dropped (0.25 %)');
    await expect(loss.getAttribute('title')).resolves.toMatch(
      /480000 packets passed the filter, 1200 dropped by the kernel/,
    );
    await expect(icu.getByTestId('capture-loss').count()).resolves.toBe(0);
    const gaps = table.locator('tr', { hasText: 'ward-5-oncology' }).getByTestId('tcp-gaps');
    await expect(gaps.textContent()).resolves.toBe('TCP gaps 100 (9.6 %)');
    await shot(page, 'sensors-01-list');

    await page.getByPlaceholder('ward-3-icu').fill('ward-9-er');
    await page.getByPlaceholder(/North wing/).fill('Emergency');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = page.getByTestId('new-token');
    await secret.waitFor();
    const token = (await secret.locator('.secret-value').textContent()) ?? '';
    expect(token).toMatch(/^ww_[A-Za-z0-9_-]+$/);
    await secret.getByRole('button', { name: 'Copy' }).click();
    await secret.getByRole('button', { name: 'Copied' }).waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(token);
    const er = table.locator('tr', { hasText: 'ward-9-er' });
    await er.waitFor();
    await shot(page, 'sensors-02-token-created');
    // the token works, and is stored only hashed
    const row = await c.ctx.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'ward-9-er')
      .executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(token.slice(-20));

    page.once('dialog', (d) => void d.accept());
    await er.getByRole('button', { name: 'revoke' }).click();
    await er.getByText('no live token').waitFor();
    const revoked = await c.ctx.store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'ward-9-er')
      .executeTakeFirstOrThrow();
    expect(revoked.revoked_at).not.toBeNull();
    await shot(page, 'sensors-03-revoked');
    await ctx.close();
  }, 60_000);

  /** The overview's four numbers, as shown. */
  const cards = async (page: Page) => {
    const nums = await page.getByTestId('overview-cards').locator('.num').allTextContents();
    const lbl = (await page.getByTestId('overview-cards').locator('.lbl').first().textContent()) ?? '';
    return {
      flagged: Number(nums[0]),
      devices: Number(/of (\d+) devices/.exec(lbl)?.[1]),
      open: Number(nums[1]),
      patients: Number(nums[2]),
    };
  };

  it('the overview of one sensor: counts follow the pick, the URL keeps it, Back undoes it', async () => {
    const { ctx, page } = await asAdmin();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const s = c.ctx.store;
    const localDevices = await s.devices.count('local');
    const all = { devices: localDevices + 2, patients: (await s.reports.breach()).totals.patients };
    await page.getByTestId('overview-cards').waitFor();
    await expect.poll(() => cards(page)).toMatchObject(all);
    const filter = page.getByLabel('Filter by sensor');
    // (the token test before adds ward-9-er after these)
    expect((await filter.locator('option').allTextContents()).slice(0, 5)).toEqual([
      'all sensors',
      `this console (local) (${localDevices} devices)`,
      'ward-3-icu (1 device)',
      'ward-5-oncology (1 device)',
      'ward-7-spare — East wing (0 devices)',
    ]);

    await filter.selectOption('ward-5-oncology');
    await expect.poll(() => new URL(page.url()).search).toBe('?sensor=ward-5-oncology');
    await expect.poll(() => cards(page)).toEqual({ flagged: 1, devices: 1, open: 1, patients: 2 });
    await expect
      .poll(() => page.getByTestId('headline').textContent())
      .toMatch(/sent 2 patients' data to 203\.0\.113\.77:2575/);
    expect(await page.getByTestId('headline').textContent()).not.toContain('202.114.4.120');
    const risk = page.getByTestId('risk-table').locator('tbody tr');
    expect(await risk.count()).toBe(1);
    expect(await risk.first().textContent()).toContain('PUMP-9');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview · ward-5-oncology');
    // both sensors ship their next batch: the live feed shows the chosen one's events only
    for (const b of [sensorBatch('ward-3-icu', 1), oncologyBatch(1)]) {
      const r = await fetch(`${url}/api/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokens.get(b.sensor)}`, 'content-type': 'application/json' },
        body: JSON.stringify(b),
      });
      expect(r.status).toBe(200);
    }
    const feed = page.getByTestId('live-feed');
    await feed.getByText(/high phi\.cleartext: PUMP-9 on ward-5-oncology/).waitFor({ timeout: 15_000 });
    await feed.getByText(/device PUMP-9 on ward-5-oncology seen/).waitFor();
    expect(await feed.textContent()).not.toContain('ward-3-icu');
    await shot(page, 'sensors-04-overview-one-sensor-1366');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await shot(page, 'sensors-05-overview-one-sensor-1920');
    await page.setViewportSize({ width: 1366, height: 768 });

    await filter.selectOption('local');
    await expect.poll(() => cards(page)).toMatchObject({ devices: localDevices, patients: all.patients - 3 });
    await page.goBack();
    await expect.poll(() => new URL(page.url()).search).toBe('?sensor=ward-5-oncology');
    await expect.poll(() => cards(page)).toMatchObject({ devices: 1, patients: 2 });
    expect(await filter.inputValue()).toBe('ward-5-oncology');
    await page.goBack();
    await expect.poll(() => cards(page)).toMatchObject(all);
    expect(await filter.inputValue()).toBe('');

    // the link carries the sensor to Devices; a shared link opens with it chosen
    await page.goto(`${url}/?sensor=ward-3-icu`);
    await expect.poll(() => cards(page)).toEqual({ flagged: 1, devices: 1, open: 1, patients: 1 });
    await page.getByRole('link', { name: 'All devices' }).click();
    await expect.poll(() => new URL(page.url()).search).toBe('?sensor=ward-3-icu');
    const devices = page.getByTestId('devices-table').locator('tbody tr');
    await expect.poll(() => devices.count()).toBe(1);
    expect(await devices.first().textContent()).toContain('ward-3-icu');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Alerts' }).click();
    await page.getByLabel('Filter by sensor').selectOption('ward-5-oncology');
    const alerts = page.getByTestId('alerts-table').locator('tbody tr');
    await expect.poll(() => alerts.count(), { timeout: 10_000 }).toBe(1);
    await expect(alerts.first().textContent()).resolves.toMatch(/PUMP-9.*on ward-5-oncology/);
    await shot(page, 'sensors-06-alerts-one-sensor');

    // a sensor the console does not know: said so, not an all-zero ward
    await page.goto(`${url}/?sensor=ward-nope`);
    await page.getByTestId('unknown-sensor').getByText('This console knows no sensor ward-nope').waitFor();
    expect(await page.getByTestId('overview-cards').count()).toBe(0);
    expect(await page.getByLabel('Filter by sensor').inputValue()).toBe('ward-nope');
    await shot(page, 'sensors-06b-overview-unknown-sensor');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 90_000);

  it('a remote device shows its MAC under Addresses and its sensor apart', async () => {
    const { ctx, page } = await asAdmin();
    await page.goto(`${url}/devices?sensor=ward-3-icu`);
    const table = page.getByTestId('devices-table');
    const row = table.locator('tbody tr', { hasText: 'PUMP-9' });
    await row.waitFor();
    const headers = await table.locator('thead th').allTextContents();
    const cells = await row.locator('td').allTextContents();
    const col = (h: string) => cells[headers.findIndex((x) => x.startsWith(h))];
    expect(col('Addresses')).toBe(`10.1.2.3${PUMP_MAC}`);
    expect(col('Sensor')).toBe('ward-3-icu');
    await shot(page, 'sensors-07-devices-sensor-column');
    await row.getByRole('link', { name: /PUMP-9/ }).click();
    await page.getByTestId('device-title').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/devices/${encodeURIComponent(`ward-3-icu/${PUMP_MAC}`)}`);
    expect(await page.getByTestId('device-mac').textContent()).toBe(PUMP_MAC);
    expect(await page.getByTestId('device-sensor').textContent()).toBe('ward-3-icu');
    const identity = (await page.locator('dl.kv').first().textContent()) ?? '';
    expect(identity).not.toContain(`ward-3-icu/${PUMP_MAC}`);
    await shot(page, 'sensors-08-device-remote');
    await page.setViewportSize({ width: 1920, height: 1080 });
    await shot(page, 'sensors-09-device-remote-1920');
    await ctx.close();
  }, 60_000);

  it('the breach page names HL7 fields in plain words, on screen and printed', async () => {
    const { ctx, page } = await asAdmin();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Breach report' }).click();
    const dest = page.getByTestId('breach-destination').filter({ hasText: '203.0.113.77:2575' });
    await dest.waitFor();
    expect(await dest.getByTestId('breach-fields').locator('li').allTextContents()).toEqual([
      'PID-3 patient identifier / MRN',
      'PID-7 birth date',
      'PID-8 sex',
    ]);
    const icu = page.getByTestId('breach-destination').filter({ hasText: '203.0.113.9:2575' });
    expect(await icu.getByTestId('breach-fields').textContent()).toBe('PID-5 patient name');
    expect(await icu.textContent()).toMatch(new RegExp(`${PUMP_MAC} ward-3-icu`));
    await page.waitForTimeout(300);
    await shot(page, 'sensors-10-breach-fields');
    await page.emulateMedia({ media: 'print' });
    await page.setViewportSize({ width: 718, height: 1000 });
    expect(await dest.getByText('PID-3 patient identifier / MRN').isVisible()).toBe(true);
    await shot(page, 'sensors-11-breach-fields-print');
    await ctx.close();
  }, 60_000);
});
