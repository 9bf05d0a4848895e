#!/usr/bin/env node
// Enforces the import direction of DESIGN.md "Layout": decode imports nothing of ours; flow → decode;
// inventory|detect|policy → events, contract; store → contract; server → all but cli; cli → all;
// web → contract only. Shared leaves (events.ts, errors.ts, contract/) may be imported by anyone
// allowed above. Exits 1 listing every violation.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = process.argv[2] ? resolve(process.argv[2]) : join(root, 'src');
// The web app (web/src): it may import npm packages, itself, and src/contract (directly or as '@contract/…').
const web = process.argv[3] ? resolve(process.argv[3]) : process.argv[2] ? null : join(root, 'web/src');

// What each top-level part may import (besides itself). 'events', 'errors', 'contract' are leaves.
const LEAVES = ['events', 'errors', 'contract'];
const ALLOWED = {
  decode: [],
  capture: ['errors', 'decode'],
  flow: ['decode', 'capture', ...LEAVES],
  inventory: LEAVES,
  detect: LEAVES,
  policy: LEAVES,
  store: ['contract', 'errors', 'events'],
  contract: ['errors'],
  firmware: LEAVES,
  sim: ['capture', 'decode', ...LEAVES],
  engine: ['capture', 'decode', 'flow', 'inventory', 'detect', 'policy', 'store', ...LEAVES],
  lab: ['sim', 'engine', 'capture', 'detect', 'policy', ...LEAVES],
  server: [
    'capture',
    'decode',
    'flow',
    'inventory',
    'detect',
    'policy',
    'store',
    'engine',
    'firmware',
    'sim',
    'lab',
    ...LEAVES,
  ],
  cli: null, // anything
  bench: null,
  events: [],
  errors: [],
};

function partOf(file) {
  const rel = relative(src, file).split('/');
  if (rel.length === 1) return rel[0].replace(/\.ts$/, '');
  return rel[0];
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|mts|js|jsx|mjs)$/.test(p)) yield p;
  }
}

const violations = [];
const importRe = /(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;
for (const file of walk(src)) {
  const from = partOf(file);
  const allowed = ALLOWED[from];
  if (allowed === undefined) {
    violations.push(`${relative(root, file)}: part '${from}' has no entry in scripts/check-imports.mjs`);
    continue;
  }
  if (allowed === null) continue;
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(importRe)) {
    const spec = m[1] ?? m[2];
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(src)) continue;
    const to = partOf(target.replace(/\.js$/, '.ts'));
    if (to === from) continue;
    if (!allowed.includes(to)) violations.push(`${relative(root, file)}: '${from}' must not import '${to}' (${spec})`);
  }
}
// Every import form: `import … from 'x'`, `export … from 'x'`, `import 'x'`, `import('x')`.
const anyImportRe =
  /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
const contract = join(src, 'contract');
const inside = (p, dir) => p === dir || p.startsWith(`${dir}/`);
if (web && existsSync(web)) {
  for (const file of walk(web)) {
    const text = readFileSync(file, 'utf8');
    // Wire text is hostile: React's escaping is the only defence, so raw HTML is never inserted;
    // and requests go through the one typed client (web/src/lib/http.ts), never a component's own fetch.
    if (text.includes('dangerouslySetInnerHTML')) {
      violations.push(
        `${relative(root, file)}: 'web' must not use dangerouslySetInnerHTML (wire text is rendered as text)`,
      );
    }
    if (/\bfetch\s*\(/.test(text) && relative(web, file) !== join('lib', 'http.ts')) {
      violations.push(`${relative(root, file)}: 'web' calls fetch only in web/src/lib/http.ts (the typed API client)`);
    }
    for (const m of text.matchAll(anyImportRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec === '@contract' || spec.startsWith('@contract/')) continue;
      if (!spec.startsWith('.') && !spec.startsWith('/')) {
        // An npm package ('react', '@tanstack/react-query'); anything else that names our tree is refused.
        if (/^(src|web)\//.test(spec) || spec.startsWith('@/')) {
          violations.push(`${relative(root, file)}: 'web' imports our code only from src/contract (${spec})`);
        }
        continue;
      }
      const target = resolve(dirname(file), spec);
      if (inside(target, web) || inside(target, contract)) continue;
      violations.push(
        `${relative(root, file)}: 'web' must not import '${relative(root, target)}' (${spec}); only src/contract`,
      );
    }
  }
}
if (violations.length > 0) {
  console.error(`import direction violations (DESIGN.md "Layout"):\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log('imports: direction ok');
