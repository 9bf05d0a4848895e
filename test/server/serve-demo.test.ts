// `wardwatch serve --demo` as a user runs it: a random port, the printed password, the CMS8000
// backdoor monitors flagged through the API within a bounded time, then SIGINT → clean exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-serve-'));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function waitFor(re: RegExp, out: { text: string }, ms: number): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      const m = re.exec(out.text);
      if (m) return resolve(m);
      if (Date.now() - t0 > ms) return reject(new Error(`timed out waiting for ${re}: ${out.text}`));
      setTimeout(tick, 50);
    };
    tick();
  });
}

describe('serve --demo', () => {
  it('shows the flagged CMS8000 monitors through the API, then stops cleanly on SIGINT', async () => {
    const out = { text: '' };
    child = spawn(
      process.execPath,
      [CLI, 'serve', '--demo', '--port', '0', '--db', join(dir, 'demo.db'), '--web', join(dir, 'no-web')],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, WARDWATCH_HOME: join(dir, 'home') },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    child.stdout?.on('data', (b: Buffer) => (out.text += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (out.text += b.toString()));
    const url = (await waitFor(/console: (http:\/\/localhost:\d+)\//, out, 30_000))[1] as string;
    const password = (await waitFor(/^login: admin {2}password: (\S+)$/m, out, 5_000))[1] as string;
    const base = url.replace('localhost', '127.0.0.1');
    const login = await fetch(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    let models: string[] = [];
    const t0 = Date.now();
    while (Date.now() - t0 < 20_000) {
      const r = await fetch(`${base}/api/devices?flagged=true`, { headers: { cookie } });
      const body = (await r.json()) as { devices: { model?: string }[] };
      models = body.devices.map((d) => d.model ?? '').sort();
      if (models.length >= 2) break;
      await new Promise((r2) => setTimeout(r2, 250));
    }
    expect(models).toEqual(['Contec CMS8000', 'Epsimed MN-120']);
    const alerts = (await (await fetch(`${base}/api/alerts?rule=phi.cleartext`, { headers: { cookie } })).json()) as {
      total: number;
    };
    expect(alerts.total).toBeGreaterThan(0);
    const breach = (await (await fetch(`${base}/api/report/breach`, { headers: { cookie } })).json()) as {
      destinations: { ip: string; port: number }[];
    };
    expect(breach.destinations[0]).toMatchObject({ ip: '202.114.4.120', port: 515 });
    const home = await fetch(`${base}/`);
    expect(await home.text()).toContain('not built');
    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  }, 90_000);
});
