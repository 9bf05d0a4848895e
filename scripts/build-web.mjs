#!/usr/bin/env node
// `npm run build:web`: builds the console (web/) into web/dist with Vite, unless web/dist is
// already newer than everything it is made from (web/src, web/index.html, web/vite.config.ts,
// src/contract, package-lock.json). `npm run build` runs this, and so does every `prepare`
// (npm ci, and npx installing the project into its cache): an up-to-date console costs nothing
// there. `--force` builds regardless.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const stamp = join(root, 'web/dist/.built');
const inputs = ['web/src', 'web/index.html', 'web/vite.config.ts', 'src/contract', 'package-lock.json'];

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const name of readdirSync(p)) m = Math.max(m, newest(join(p, name)));
  return m;
}

const force = process.argv.includes('--force');
const source = Math.max(...inputs.map((p) => newest(join(root, p))));
if (!force && existsSync(stamp) && existsSync(join(root, 'web/dist/index.html')) && statSync(stamp).mtimeMs > source) {
  console.log('build:web: web/dist is up to date');
  process.exit(0);
}
const vite = join(root, 'node_modules/vite/bin/vite.js');
const r = spawnSync(process.execPath, [vite, 'build', '--config', join(root, 'web/vite.config.ts')], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) process.exit(r.status ?? 1);
writeFileSync(stamp, `${new Date().toISOString()}\n`);
