// `wardwatch serve --demo` as a user starts it, for the browser test: the built CLI on a free port
// (--port 0) on 127.0.0.1, its own database and WARDWATCH_HOME in a temp dir, the URL and the
// password read from what it prints. close() stops it with SIGINT and removes the temp dir.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/paths.js';

export type DemoServer = { url: string; password: string; output: () => string; close: () => Promise<void> };

const CLI = join(REPO_ROOT, 'dist/cli/bin.js');

export async function startDemoServer(webDist: string, timeoutMs = 30_000): Promise<DemoServer> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'ww-web-demo-'));
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--demo', '--host', '127.0.0.1', '--port', '0', '--db', join(dir, 'demo.db'), '--web', webDist],
    { cwd: REPO_ROOT, env: { ...process.env, WARDWATCH_HOME: join(dir, 'home') }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr.on('data', (b: Buffer) => (text += b.toString()));
  const exited = new Promise<void>((ok) => child.on('exit', () => ok()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const t0 = Date.now();
  for (;;) {
    const url = /console: (https?:\/\/[^\s/]+)\//.exec(text)?.[1];
    const password = /^login: admin {2}password: (\S+)$/m.exec(text)?.[1];
    if (url && password) {
      // It prints localhost; the browser goes to the address it listens on.
      return { url: url.replace('//localhost:', '//127.0.0.1:'), password, output: () => text, close };
    }
    if (child.exitCode !== null || Date.now() - t0 > timeoutMs) {
      await close();
      throw new Error(`serve --demo did not print its URL and password: ${text}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
