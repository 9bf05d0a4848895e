// What the browser tests of web/ share: Debian's Chromium driven by playwright-core (never a
// downloaded browser), web/dist built, screenshots in test-output/screenshots/ (gitignored, for a
// person to look at), and logging in through the login page.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { IN_CI, REPO_ROOT } from '../helpers/paths.js';

export const CHROMIUM = process.env.WARDWATCH_CHROMIUM ?? '/usr/bin/chromium';
export const DIST = join(REPO_ROOT, 'web/dist');
export const SHOTS = join(REPO_ROOT, 'test-output/screenshots');

/** For describe.runIf: without Chromium a loud failure in CI (launchBrowser throws), a skip on a developer's machine. */
export const CAN_RUN_BROWSER = existsSync(CHROMIUM) || IN_CI;

/** Chromium headless, once web/dist and the screenshot directory are there; throws saying what is missing. */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install chromium (scripts/setup-system.sh)`);
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('web/dist is missing: run npm run build:web');
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** Headless, no sandbox (root), and nothing that reaches for the network (it is closed here). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-quic',
  '--disable-sync',
];

/** A full-page screenshot test-output/screenshots/NAME.png. */
export async function shot(page: Page, name: string): Promise<void> {
  const path = join(SHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

/** Log in through the login page at `url` and wait for the main navigation. */
export async function login(page: Page, url: string, user: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}
