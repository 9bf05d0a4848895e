// The breach report as a privacy officer prints it: rendered in Debian's Chromium (playwright-core,
// never a downloaded browser) with print media at the content width of A4 and Letter pages, every
// table and every cell measured in the page so none is wider than the paper. A report built to be
// hard to lay out (an IPv6 destination, every identifying field, long model names, many devices)
// is the input; the same page stripped of the print CSS must overflow, which shows the measure can
// fail. Screenshots and PDFs go to test-output/screenshots/ (gitignored) for a person to look at.
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BreachReport, FIELD_LABELS } from '../../src/contract/breach.js';
import { breachHtml } from '../../src/export/report/html.js';
import { IN_CI } from '../helpers/paths.js';
import { wardRun } from '../detect/scenario.js';
import { CHROMIUM, CHROMIUM_ARGS, SHOTS } from '../web/browser.js';

const haveChromium = existsSync(CHROMIUM);

/** Paper width minus the report's @page side margins (12 mm each), in CSS px (96 per inch). */
const MM = 96 / 25.4;
const PAGES = { A4: Math.floor((210 - 24) * MM), Letter: Math.floor((215.9 - 24) * MM) } as const;

const GENERATION = {
  time: '2026-12-02T03:00:00.000Z',
  version: '0.1.0',
  captures: [
    {
      name: 'ward-3-east-mirror-port-2025-01-30-full-day-capture.pcapng',
      sha256: 'ab'.repeat(32),
      bytes: 1_234_567_890,
    },
    { name: 'ward.pcap', sha256: 'cd'.repeat(32), bytes: 24_000 },
  ],
  saltId: '0123456789abcdef',
};

/** A report that is hard to lay out: long words everywhere a table cell can hold one. */
function hardReport(): BreachReport {
  const devices = Array.from({ length: 6 }, (_, i) => ({
    id: `00:0c:29:aa:bb:${String(10 + i).padStart(2, '0')}`,
    model: i % 2 === 0 ? 'Contec CMS8000' : 'Epsimed MN-120 (Contec CMS8000 relabel) bedside monitor',
    class: 'patient-monitor',
    // Underscores are no break opportunity: one 60-character word, as DHCP hostnames can be.
    hostname: `CMS8000_BED_${i}_WARD_3_EAST_INTENSIVE_CARE_UNIT_NORTH_WING_LEVEL_4`,
    ips: [`10.1.1.${10 + i}`, `fd00:1234:5678:9abc:def0:1234:5678:${(0x9a00 + i).toString(16)}`],
  }));
  const dest = (ip: string, port: number, patients: number, indicator: boolean) => ({
    ip,
    port,
    protocol: 'hl7/mllp',
    patients,
    messages: patients * 40,
    first: '2025-01-30T12:00:06.000Z',
    last: '2025-01-31T18:22:06.000Z',
    fields: Object.keys(FIELD_LABELS).sort(),
    devices: devices.map((d) => d.id),
    notify: patients >= 500,
    timeline: [
      ['2025-01-30T12:00:00.000Z', 3] as [string, number],
      ['2025-01-30T12:01:00.000Z', 5] as [string, number],
    ],
    ...(indicator
      ? {
          indicator: {
            source: 'ICSMA-25-030-01',
            note: 'Contec CMS8000 patient data sent in cleartext HL7 to a hard-coded address',
          },
        }
      : {}),
  });
  return BreachReport.parse({
    destinations: [
      dest('202.114.4.120', 515, 812, true),
      dest('2001:db8:ffff:ffff:ffff:ffff:ffff:fffe', 65535, 3, false),
    ],
    totals: { patients: 815, messages: 32_600, destinations: 2, notify: true },
    threshold: 500,
    devices,
    generation: GENERATION,
    notes: wardRun().breach.notes,
  });
}

const META = {
  files: GENERATION.captures.map((c) => `/srv/captures/ward-3-east/${c.name}`),
  first: '2025-01-30T12:00:00.000Z',
  last: '2025-01-31T18:22:20.000Z',
};

interface Overflow {
  what: string;
  width: number;
  room: number;
}

/** Tables, cells, pre/code and the body: anything wider than the page, or content wider than its cell. */
async function overflows(ctx: BrowserContext, html: string, width: number): Promise<Overflow[]> {
  const page = await ctx.newPage();
  await page.setViewportSize({ width, height: 1000 });
  await page.emulateMedia({ media: 'print' });
  await page.setContent(html, { waitUntil: 'load' });
  // A string, evaluated in the page (this file is compiled without the DOM's types).
  const found = (await page.evaluate(`(() => {
    const pageWidth = ${width};
    const out = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > pageWidth + 0.5) out.push({ what: 'page', width: doc.scrollWidth, room: pageWidth });
    document.querySelectorAll('table').forEach((t, i) => {
      const r = t.getBoundingClientRect();
      if (r.right > pageWidth + 0.5 || r.left < -0.5)
        out.push({ what: 'table ' + i + ' (' + t.className + ')', width: r.width, room: pageWidth });
    });
    document.querySelectorAll('th, td').forEach((c) => {
      if (c.scrollWidth > c.clientWidth + 1)
        out.push({ what: 'cell "' + (c.textContent || '').slice(0, 30) + '"', width: c.scrollWidth, room: c.clientWidth });
    });
    return out;
  })()`)) as Overflow[];
  await page.close();
  return found;
}

describe.runIf(haveChromium || IN_CI)('breach report printed (headless Chromium)', () => {
  let browser: Browser;
  let ctx: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup-system.sh)`);
    mkdirSync(SHOTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'wardwatch-report-chromium-'));
    // A fresh profile in its own temp dir; nothing of the page goes to the network (no external requests).
    ctx = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    browser = ctx.browser() as Browser;
  }, 90_000);

  afterAll(async () => {
    await ctx?.close();
    await browser?.close();
    if (profile !== undefined) rmSync(profile, { recursive: true, force: true });
  });

  for (const [paper, width] of Object.entries(PAGES)) {
    it(`no table or cell is wider than a ${paper} page (${width} px of content)`, async () => {
      expect(await overflows(ctx, breachHtml(hardReport(), META), width)).toEqual([]);
    }, 60_000);
  }

  it('the measure catches a report laid out without the print CSS', async () => {
    const html = breachHtml(hardReport(), META)
      .replace('table-layout:fixed', 'table-layout:auto')
      .replace(/(overflow-wrap|word-break):[^;}]*;?/g, '')
      .replace(/<colgroup>.*?<\/colgroup>/g, '');
    const found = await overflows(ctx, html, PAGES.A4);
    expect(found.length).toBeGreaterThan(0);
  }, 60_000);

  it('prints to PDF at A4 and Letter and leaves screenshots to look at', async () => {
    const page = await ctx.newPage();
    for (const [name, report] of [
      ['ward', { ...wardRun().breach, generation: GENERATION }],
      ['hard', hardReport()],
    ] as const) {
      await page.setViewportSize({ width: 900, height: 1200 });
      await page.emulateMedia({ media: 'screen' });
      await page.setContent(breachHtml(report, META), { waitUntil: 'load' });
      await page.screenshot({ path: join(SHOTS, `report-${name}-screen.png`), fullPage: true });
      await page.emulateMedia({ media: 'print' });
      await page.setViewportSize({ width: PAGES.A4, height: 1100 });
      await page.screenshot({ path: join(SHOTS, `report-${name}-print-a4.png`), fullPage: true });
      for (const format of ['A4', 'Letter'] as const) {
        const path = join(SHOTS, `report-${name}-${format.toLowerCase()}.pdf`);
        await page.pdf({ path, format, printBackground: true });
        expect(statSync(path).size).toBeGreaterThan(10_000);
      }
    }
    await page.close();
  }, 90_000);
});
