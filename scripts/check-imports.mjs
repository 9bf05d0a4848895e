#!/usr/bin/env node
// Enforces the import direction of DESIGN.md "Layout": decode imports nothing of ours; flow → decode;
// inventory|detect|policy → events, contract; detect → policy/match (never the reverse); enforce →
// policy, contract, errors (the only code that runs nft/conntrack); store → contract; server → all
// but cli; cli → all; web → contract only. policy/compile imports no node:* and no npm package. Shared leaves (events.ts, errors.ts, contract/) may be imported by anyone
// allowed above. Exits 1 listing every violation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const src = process.argv[2] ? resolve(process.argv[2]) : join(root, 'src');

// What each top-level part may import (besides itself). 'events', 'errors', 'contract' are leaves.
const LEAVES = ['events', 'errors', 'contract', 'net'];
const ALLOWED = {
  net: ['errors'],
  decode: ['net'],
  config: ['contract', 'errors', 'net'],
  export: ['contract', 'errors'],
  capture: ['errors', 'decode'],
  flow: ['decode', 'capture', ...LEAVES],
  inventory: LEAVES,
  detect: [...LEAVES, 'policy'],
  policy: LEAVES,
  enforce: ['policy', 'contract', 'errors'],
  store: ['contract', 'errors', 'events'],
  contract: ['errors', 'net'],
  firmware: LEAVES,
  sim: ['capture', 'decode', ...LEAVES],
  engine: ['capture', 'decode', 'flow', 'inventory', 'detect', 'policy', 'store', 'config', ...LEAVES],
  lab: ['sim', 'engine', 'capture', 'detect', 'policy', 'config', 'export', ...LEAVES],
  server: [
    'enforce',
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
  events: ['decode'], // type only: AnomalyCode (src/decode/anomalies.ts)
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
    else if (p.endsWith('.ts')) yield p;
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
    // detect may use the one policy matcher, nothing else of policy/.
    else if (
      from === 'detect' &&
      to === 'policy' &&
      relative(src, target.replace(/\.js$/, '.ts')) !== 'policy/match.ts'
    )
      violations.push(`${relative(root, file)}: 'detect' may import only policy/match (${spec})`);
  }
  // The compilers are pure text producers: no node:* and no npm package.
  if (relative(src, file).startsWith('policy/compile/')) {
    for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^.'"][^'"]*)['"]/g))
      violations.push(`${relative(root, file)}: policy/compile must not import '${m[1]}'`);
  }
}
if (violations.length > 0) {
  console.error(`import direction violations (DESIGN.md "Layout"):\n  ${violations.join('\n  ')}`);
  process.exit(1);
}
console.log('imports: direction ok');
