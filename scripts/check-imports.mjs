#!/usr/bin/env node
// Enforces "Allowed imports" of DESIGN.md "Layout" over src/, web/ (if present) and test/.
// Usage: node scripts/check-imports.mjs [root]   (root holds src/, test/, web/; default: this repo)
//
// Every import form counts: `import … from`, `import type … from`, bare `import '…'`,
// `export … from`, `export * from`, `import('…')`, `require('…')`, `import x = require('…')` and
// `import('…').T` types. A package importing itself by name (`wardwatch/dist/x`, `wardwatch/src/x`)
// is read as the corresponding src file; src/ must not do it at all (relative imports only).
// Files are parsed with the TypeScript compiler, so strings and comments that look like imports
// are not imports. Exits 1 listing every violation.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const SELF = 'wardwatch';
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// What each top-level part of src/ may import of ours (besides itself). 'events', 'errors',
// 'contract', 'net' are the leaves. Parts that have not landed yet (policy, enforce, store,
// server, web) are here so their rules apply the moment they do. null: anything.
const LEAVES = ['events', 'errors', 'contract', 'net'];
const JUDGES = ['events', 'contract', 'errors', 'net'];
const ALLOWED = {
  events: ['decode'], // type only: AnomalyCode (src/decode/anomalies.ts)
  errors: [],
  net: ['errors'],
  contract: ['errors', 'net'],
  decode: ['net'],
  capture: ['errors', 'decode'],
  flow: ['decode', 'capture', ...LEAVES],
  inventory: JUDGES,
  detect: [...JUDGES, 'policy'], // of policy only policy/match.ts, checked below
  policy: JUDGES,
  firmware: JUDGES,
  config: ['contract', 'errors', 'net'],
  export: ['contract', 'errors'],
  enforce: ['policy', 'contract', 'errors'],
  store: ['contract', 'errors', 'events'],
  sim: ['capture', 'decode', ...LEAVES],
  engine: ['capture', 'decode', 'flow', 'inventory', 'detect', 'policy', 'store', 'config', ...LEAVES],
  lab: ['sim', 'engine', 'capture', 'detect', 'policy', 'config', 'export', 'enforce', ...LEAVES],
  server: 'all-but-cli',
  cli: null,
  bench: null,
};

// Parts that stay pure: no node:* built-in and no npm package.
const PURE = ['decode', 'net', 'policy/compile'];
// The only exceptions to PURE, each with its reason. Nothing else may be added without one.
const PURE_EXCEPTIONS = {
  // Buffer.prototype.indexOf is memchr; Uint8Array.prototype.indexOf is ~6× slower and a plain
  // loop ~30× slower on Node 20 (measured on 600-byte frames), and MLLP scanning is per segment.
  'src/decode/hl7/mllp.ts': ['node:buffer'],
};

const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]);

function* walk(dir) {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else if (/\.(ts|tsx|mts|cts)$/.test(p) && !p.endsWith('.d.ts')) yield p;
  }
}

/** Every module reference in a file: { spec, typeOnly, dynamic, line }. */
function importsOf(file, text) {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const out = [];
  const add = (node, spec, typeOnly, dynamic = false) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    out.push({ spec, typeOnly, dynamic, line });
  };
  const visit = (node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const c = node.importClause;
      // Type-only: `import type …`, or `import { type A, type B }` where every binding is a type.
      const typeOnly =
        c !== undefined &&
        (c.isTypeOnly ||
          (c.name === undefined &&
            c.namedBindings !== undefined &&
            ts.isNamedImports(c.namedBindings) &&
            c.namedBindings.elements.length > 0 &&
            c.namedBindings.elements.every((e) => e.isTypeOnly)));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every((e) => e.isTypeOnly));
      add(node, node.moduleSpecifier.text, typeOnly);
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      add(node, node.moduleReference.expression.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.arguments.length >= 1) {
      const arg = node.arguments[0];
      const isImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === 'require';
      if ((isImport || isRequire) && ts.isStringLiteralLike(arg)) add(node, arg.text, false, isImport);
    } else if (ts.isImportTypeNode(node)) {
      const a = node.argument;
      if (ts.isLiteralTypeNode(a) && ts.isStringLiteral(a.literal)) add(node, a.literal.text, true);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every violation in the tree at `root` (which holds src/, test/ and maybe web/). */
export function checkImports(root) {
  const SRC = join(root, 'src');
  /** The file a relative or self-referencing specifier names, or a kind for everything else. */
  function resolveSpec(file, spec) {
    let base;
    if (spec.startsWith('.') || spec.startsWith('/')) base = resolve(dirname(file), spec);
    // The web app's alias for src/contract (web/vite.config.ts, web/tsconfig.json).
    else if (spec === '@contract' || spec.startsWith('@contract/'))
      return { kind: 'file', path: toSource(join(SRC, 'contract', spec.slice('@contract/'.length))) };
    else if (spec === SELF || spec.startsWith(`${SELF}/`)) {
      const rest = spec.slice(SELF.length + 1);
      const m = /^(dist|src)(\/.*)?$/.exec(rest);
      if (!m) return { kind: 'self', via: 'other', path: join(root, rest || 'package.json') };
      base = join(SRC, m[2] ?? 'index.js');
      return { kind: 'self', via: m[1], path: toSource(base) };
    } else if (isBuiltin(spec)) return { kind: 'builtin' };
    else return { kind: 'package' };
    return { kind: 'file', path: toSource(base) };
  }

  function toSource(p) {
    const cands = [p];
    const m = /\.(m|c)?js$/.exec(p);
    if (m) for (const ext of ['.ts', '.tsx', `.${m[1] ?? ''}ts`]) cands.unshift(p.slice(0, -m[0].length) + ext);
    cands.push(`${p}.ts`, `${p}.tsx`, join(p, 'index.ts'));
    return cands.find((c) => existsSync(c) && statSync(c).isFile()) ?? p;
  }

  const inside = (dir, p) => p === dir || p.startsWith(dir + sep);
  const rel = (p) => relative(root, p).split(sep).join('/');

  /** 'decode', 'events', … for a file in src/; '' outside. */
  function partOf(p) {
    if (!inside(SRC, p)) return '';
    const first = relative(SRC, p).split(sep)[0];
    return first.replace(/\.(ts|tsx|js)$/, '');
  }

  const violations = [];
  const edges = new Map(); // file → Set(file): value imports only, for the cycle check
  const report = (file, line, msg) => violations.push(`${rel(file)}:${line}: ${msg}`);

  function checkSrc(file, imp, target) {
    const from = partOf(file);
    const fromRel = rel(file);
    const pureHere = PURE.some((p) => fromRel === `src/${p}.ts` || fromRel.startsWith(`src/${p}/`));
    if (target.kind === 'builtin' || target.kind === 'package') {
      if (pureHere && !(PURE_EXCEPTIONS[fromRel] ?? []).includes(imp.spec))
        report(
          file,
          imp.line,
          `'${from}' must not import ${target.kind === 'builtin' ? 'a built-in' : 'an npm package'} (${imp.spec})`,
        );
      return;
    }
    if (target.kind === 'self') {
      report(file, imp.line, `src/ must not import the package by name; use a relative import (${imp.spec})`);
      return;
    }
    if (!inside(SRC, target.path)) {
      report(file, imp.line, `src/ must not import outside src/ (${imp.spec})`);
      return;
    }
    const to = partOf(target.path);
    const toRel = rel(target.path);
    if (fromRel.startsWith('src/detect/rules/')) {
      // A rule sees the world through its context: the rule context, net, and types of the
      // events and contract records it reads; policy.violation also matches with policy/match.ts,
      // the one file of policy that detect may import.
      const ok =
        toRel === 'src/detect/context.ts' ||
        to === 'net' ||
        toRel === 'src/policy/match.ts' ||
        ((to === 'events' || to === 'contract') && imp.typeOnly) ||
        (toRel.startsWith('src/detect/rules/') && toRel === fromRel);
      if (!ok)
        report(
          file,
          imp.line,
          `'detect/rules' may import only detect/context.ts, net, policy/match.ts and event/contract types (${imp.spec})`,
        );
      return;
    }
    if (to === from) return;
    const allowed = ALLOWED[from];
    if (allowed === null) return;
    if (allowed === 'all-but-cli') {
      if (to === 'cli') report(file, imp.line, `'${from}' must not import '${to}' (${imp.spec})`);
      return;
    }
    if (!allowed.includes(to)) {
      report(file, imp.line, `'${from}' must not import '${to}' (${imp.spec})`);
      return;
    }
    if (from === 'detect' && to === 'policy' && toRel !== 'src/policy/match.ts')
      report(file, imp.line, `'detect' may import only policy/match.ts of policy (${imp.spec})`);
  }

  function check(file, zone) {
    const text = readFileSync(file, 'utf8');
    if (zone === 'web') {
      // Wire text is hostile: React's escaping is the only defence, so raw HTML is never inserted;
      // requests go through the one typed client (web/src/lib/http.ts), never a component's fetch.
      if (text.includes('dangerouslySetInnerHTML'))
        report(file, 1, `'web' must not use dangerouslySetInnerHTML (wire text is rendered as text)`);
      if (/\bfetch\s*\(/.test(text) && rel(file) !== 'web/src/lib/http.ts' && rel(file).startsWith('web/src/'))
        report(file, 1, `'web' calls fetch only in web/src/lib/http.ts (the typed API client)`);
    }
    if (zone === 'src' && ALLOWED[partOf(file)] === undefined) {
      report(file, 1, `part '${partOf(file)}' has no entry in scripts/check-imports.mjs`);
      return;
    }
    for (const imp of importsOf(file, text)) {
      const target = resolveSpec(file, imp.spec);
      if (target.path && !imp.typeOnly && !imp.dynamic) {
        if (!edges.has(file)) edges.set(file, new Set());
        edges.get(file).add(target.path);
      }
      if (zone === 'src') checkSrc(file, imp, target);
      else if (zone === 'web') {
        if (target.kind === 'file' || target.kind === 'self') {
          const ours = inside(SRC, target.path) || target.kind === 'self';
          if (ours && !inside(join(SRC, 'contract'), target.path))
            report(file, imp.line, `'web' may import only src/contract of ours (${imp.spec})`);
          else if (!ours && !inside(join(root, 'web'), target.path))
            report(file, imp.line, `'web' must not import outside web/ and src/contract (${imp.spec})`);
        }
      } else if (zone === 'test') {
        if (target.kind === 'self' && target.via !== 'src')
          report(file, imp.line, `tests exercise src/, not the built package (${imp.spec})`);
        else if (target.kind === 'file' && inside(join(root, 'dist'), target.path))
          report(file, imp.line, `tests exercise src/, not dist/ (${imp.spec})`);
      }
    }
  }

  for (const file of walk(SRC)) check(file, 'src');
  for (const file of walk(join(root, 'web'))) check(file, 'web');
  for (const file of walk(join(root, 'test'))) check(file, 'test');

  // Value-import cycles (Tarjan's SCCs). Type-only imports vanish at runtime and dynamic imports
  // run after loading, so neither can make a module see another half-initialised.
  {
    let index = 0;
    const idx = new Map();
    const low = new Map();
    const stack = [];
    const on = new Set();
    const strong = (v) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of edges.get(v) ?? []) {
        if (!idx.has(w)) {
          strong(w);
          low.set(v, Math.min(low.get(v), low.get(w)));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
      }
      if (low.get(v) === idx.get(v)) {
        const scc = [];
        let w;
        do {
          w = stack.pop();
          on.delete(w);
          scc.push(w);
        } while (w !== v);
        if (scc.length > 1 || edges.get(v)?.has(v))
          violations.push(`import cycle: ${scc.reverse().map(rel).sort().join(' → ')}`);
      }
    };
    for (const v of edges.keys()) if (!idx.has(v)) strong(v);
  }

  return violations;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const violations = checkImports(process.argv[2] ? resolve(process.argv[2]) : repo);
  if (violations.length > 0) {
    console.error(`import violations (DESIGN.md "Allowed imports"):\n  ${violations.join('\n  ')}`);
    process.exit(1);
  }
  console.log('imports: direction ok');
}
