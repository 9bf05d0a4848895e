// The Sensors admin page (issue 20) in headless Chromium against the real console (buildApp over a
// fresh SQLite store, web/dist): two sensors have shipped a batch; the admin sees their rate, lag and
// tokens, creates a token (shown once, with a copy button) and revokes it. Screenshots go to
// test-output/screenshots/ (look at them).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/server/app.js';
import { addUser, createToken } from '../../src/server/auth/users.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { IN_CI, REPO_ROOT } from '../helpers/paths.js';
import { sensorBatch } from '../store/sensor-batch.js';
import { TEST_SALT } from '../store/ward.js';

const CHROMIUM = process.env.WARDWATCH_CHROMIUM ?? '/usr/bin/chromium';
const DIST = join(REPO_ROOT, 'web/dist');
const SHOTS = join(REPO_ROOT, 'test-output/screenshots');
const haveChromium = existsSync(CHROMIUM);

describe.runIf(haveChromium || IN_CI)('sensors page in headless Chromium', () => {
  let browser: Browser;
  let store: Store;
  let dir: string;
  let url: string;
  let password: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup-system.sh)`);
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('web/dist is missing: run npm run build');
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'ww-sensors-page-'));
    store = await openStore(join(dir, 'console.db'));
    password = await addUser(store, 'admin', 'admin');
    for (const name of ['ward-3-icu', 'ward-5-oncology']) {
      await createToken(store, name, 'ingest');
      const b = sensorBatch(name, 0);
      const now = new Date(Date.now() - 30_000).toISOString();
      b.records = b.records.map((r) => ({ ...r, first: now, last: now }));
      await store.sensors.apply(b);
    }
    await store.sensors.ensure('ward-7-spare', 'East wing');
    const { app } = await buildApp({ store, webDist: DIST, salt: TEST_SALT });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    close = async () => {
      await app.close();
      await store.close();
    };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await close?.();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists sensors with rate and lag, creates a token shown once, revokes it', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
    const page = await ctx.newPage();
    await page.goto(url);
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sensors' }).click();
    const table = page.getByTestId('sensors-table');
    await table.locator('tr', { hasText: 'ward-5-oncology' }).waitFor();
    const icu = table.locator('tr', { hasText: 'ward-3-icu' });
    await expect(icu.textContent()).resolves.toMatch(/src-ward-3-icu #0/);
    await expect(icu.textContent()).resolves.toMatch(/\d+ s/); // lag about 30 s
    await expect(table.locator('tr', { hasText: 'ward-7-spare' }).textContent()).resolves.toMatch(/never/);
    await page.screenshot({ path: join(SHOTS, 'sensors-01-list.png'), fullPage: true });

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
    await page.screenshot({ path: join(SHOTS, 'sensors-02-token-created.png'), fullPage: true });
    // the token works, and is stored only hashed
    const row = await store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'ward-9-er')
      .executeTakeFirstOrThrow();
    expect(row.token_hash).not.toContain(token.slice(-20));

    page.once('dialog', (d) => void d.accept());
    await er.getByRole('button', { name: 'revoke' }).click();
    await er.getByText('no live token').waitFor();
    const revoked = await store.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'ward-9-er')
      .executeTakeFirstOrThrow();
    expect(revoked.revoked_at).not.toBeNull();
    await page.screenshot({ path: join(SHOTS, 'sensors-03-revoked.png'), fullPage: true });
    await ctx.close();
  }, 60_000);
});
