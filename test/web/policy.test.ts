// The policy page in headless Chromium (Debian's, driven by playwright-core) over a console with
// the simulated CMS8000 ward in its store, in dry-run mode (no firewall configured): an admin
// opens the policy list, proposes a policy for the CMS8000 from its recorded traffic, reviews the
// lines, runs the dry run (blocked backdoor, compiled diff), applies it with a confirm timer,
// confirms, and sees it in the audit trail. Screenshots go to test-output/screenshots/.
import type { Browser } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/config.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { Zones } from '../../src/net/zones.js';
import { Ingestor } from '../../src/store/ingest.js';
import { writeProxiedWard } from '../detect/wire-captures.js';
import { type Console, consoleApp } from '../server/helpers.js';
import { CAN_RUN_BROWSER, DIST, launchBrowser, login, shot } from './browser.js';

describe.runIf(CAN_RUN_BROWSER)('policy page in headless Chromium', () => {
  let browser: Browser;
  let c: Console;
  let url = '';
  const dir = mkdtempSync(join(tmpdir(), 'ww-web-policy-'));

  beforeAll(async () => {
    browser = await launchBrowser();
    c = await consoleApp({ webDist: DIST, loginPerMinute: 100 });
    await c.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = c.app.server.address();
    url = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await c?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('propose, review, dry-run, apply with a confirm timer, confirm — all in the audit trail', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page, url, 'adam', c.passwords.admin);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Policy' }).click();
    await page.getByTestId('policy-list').waitFor();
    await expect.poll(() => page.getByTestId('enforcement').textContent()).toMatch(/Dry-run only/);
    const row = page.getByTestId('policy-list').getByRole('link', { name: /Contec CMS8000/ });
    await shot(page, 'policy-01-list');
    await row.click();
    await page.getByRole('button', { name: 'Propose from recorded traffic' }).click();
    const rules = page.getByTestId('policy-rules');
    await rules.waitFor();
    await expect.poll(() => rules.textContent()).toMatch(/202\.114\.4\.120/);
    expect(await rules.textContent()).toMatch(/raised .*phi\.cleartext/);
    expect(await rules.textContent()).toMatch(/flows, \d+ packets/); // the traffic each line covers
    await page.getByRole('button', { name: 'Simulate against recorded traffic' }).click();
    const blocked = page.getByTestId('sim-blocked');
    await blocked.waitFor();
    expect(await blocked.textContent()).toMatch(/202\.114\.4\.120:515/);
    expect(await page.getByTestId('policy-simulation').textContent()).toMatch(/No clinical flow would be blocked/);
    expect(await page.getByTestId('policy-simulation').textContent()).toMatch(/\+ table inet wardwatch \{/);
    await shot(page, 'policy-02-proposal-and-dry-run');
    await page
      .getByTestId('policy-apply')
      .getByPlaceholder(/Reason/)
      .fill('contain the CMS8000, ticket 4711');
    await page.getByRole('button', { name: 'Apply', exact: true }).click();
    await expect.poll(() => page.getByTestId('enforcement').textContent()).toMatch(/rolls back at .* unless confirmed/);
    await shot(page, 'policy-03-applied-awaiting-confirm');
    await page.getByRole('button', { name: /^Confirm/ }).click();
    await expect.poll(() => page.getByTestId('enforcement').textContent()).toMatch(/\(confirmed /);
    const audit = page.getByTestId('policy-audit');
    await expect.poll(() => audit.textContent()).toMatch(/confirm/);
    expect(await audit.textContent()).toMatch(/adam.*apply/s);
    expect(await page.getByTestId('policy-versions').textContent()).toMatch(/applied/);
    await shot(page, 'policy-04-confirmed-audit');
    expect(errors).toEqual([]);
    const cur = await c.ctx.store.policies.current();
    expect(cur).toMatchObject({ by: 'adam', reason: 'contain the CMS8000, ticket 4711', version: 1 });
    expect(cur?.confirmedAt).toBeDefined();
    await ctx.close();
  }, 120_000);

  it("lists what lies behind a proxy under the proxy's rule", async () => {
    // A monitor that reaches everything through the ward's web proxy (wire-captures.ts).
    const capture = writeProxiedWard(dir, 'proxied.pcap');
    const store = c.ctx.store;
    const ingest = new Ingestor(store, { zones: new Zones(), flushMs: 0 });
    const config = parseConfig('dns: {warmupSeconds: 0}\n', 'test.yaml');
    const r = await analyzeCaptures([capture], { salt: '00'.repeat(32), config, onEvent: ingest.onEvent });
    await ingest.close();
    await store.write.devices(r.devices);
    await store.write.alerts(r.alerts);

    const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await login(page, url, 'adam', c.passwords.admin);
    await page.goto(`${url}/policy/${encodeURIComponent('00:0c:29:aa:bb:01')}`); // MON's device id
    await page.getByRole('button', { name: 'Propose from recorded traffic' }).click();
    const proxied = page.getByTestId('proposal-proxied');
    await proxied.first().waitFor();
    const text = (await proxied.first().textContent()) ?? '';
    expect(text).toMatch(/202\.114\.4\.120:515/);
    expect(text).toMatch(/phi\.cleartext/);
    expect(text).toMatch(/updates\.vendor\.example:443/);
    expect(text).toMatch(/vendor-debug\.example:8443/);
    expect(text).toMatch(/refused/);
    await proxied.first().scrollIntoViewIfNeeded();
    await shot(page, 'policy-05-proxied');
    expect(errors).toEqual([]);
    await ctx.close();
  }, 120_000);
});
