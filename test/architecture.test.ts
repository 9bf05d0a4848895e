import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths.js';

const script = join(REPO_ROOT, 'scripts/check-imports.mjs');

describe('import rules (DESIGN.md "Allowed imports")', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ww-arch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let n = 0;

  /** Write a small project tree (path → text) and run the check on it (in process: one TypeScript load). */
  async function run(files: Record<string, string>): Promise<{ status: number; stderr: string }> {
    const root = join(tmp, `t${n++}`);
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }
    const { checkImports } = (await import(script)) as { checkImports: (root: string) => string[] };
    const violations = checkImports(root);
    return { status: violations.length > 0 ? 1 : 0, stderr: violations.join('\n') };
  }
  const rule = 'export const x = 1;\n';

  it('holds for the project', async () => {
    const { stdout } = await promisify(execFile)('node', [script], { encoding: 'utf8' });
    expect(stdout).toContain('direction ok');
  });

  it('passes a tree that keeps the rules', async () => {
    const r = await run({
      'src/net/addr.ts': rule,
      'src/decode/dns.ts': "import { x } from '../net/addr.js';\nexport const y = x;\n",
      'src/detect/rules/r.ts': "import type { E } from '../../events.js';\nimport { c } from '../context.js';\n",
      'src/detect/context.ts': 'export const c = 1;\n',
      'src/detect/rules/p.ts': "import { m } from '../../policy/match.js';\n",
      'src/policy/match.ts': 'export const m = 1;\n',
      'src/events.ts': 'export type E = 1;\n',
      'test/decode/dns.test.ts': "import { y } from '../../src/decode/dns.js';\nimport 'wardwatch/src/net/addr.js';\n",
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('catches a decoder importing a judge, and exits 1 saying so', async () => {
    const root = join(tmp, 'cli');
    mkdirSync(join(root, 'src/decode'), { recursive: true });
    mkdirSync(join(root, 'src/detect'), { recursive: true });
    writeFileSync(join(root, 'src/detect/rule.ts'), rule);
    writeFileSync(join(root, 'src/decode/bad.ts'), "import { x } from '../detect/rule.js';\n");
    const r = await new Promise<{ status: number | null; stderr: string }>((done) => {
      const child = execFile('node', [script, root], { encoding: 'utf8' }, (_e, _out, stderr) =>
        done({ status: child.exitCode, stderr }),
      );
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("src/decode/bad.ts:1: 'decode' must not import 'detect' (../detect/rule.js)");
  });

  it('catches a bare side-effect import', async () => {
    const r = await run({ 'src/detect/x.ts': rule, 'src/decode/bad.ts': "import '../detect/x.js';\n" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("src/decode/bad.ts:1: 'decode' must not import 'detect' (../detect/x.js)");
  });

  it('catches export-from, export * and dynamic import()', async () => {
    const r = await run({
      'src/detect/x.ts': rule,
      'src/decode/a.ts': "export { x } from '../detect/x.js';\n",
      'src/decode/b.ts': "export * from '../detect/x.js';\n",
      'src/decode/c.ts': "export async function f() {\n  return import('../detect/x.js');\n}\n",
    });
    expect(r.status).toBe(1);
    for (const f of ['a.ts:1', 'b.ts:1', 'c.ts:2']) expect(r.stderr).toContain(`src/decode/${f}: 'decode' must not`);
  });

  it('catches require()', async () => {
    const r = await run({ 'src/detect/x.ts': rule, 'src/decode/bad.ts': "const m = require('../detect/x.js');\n" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("'decode' must not import 'detect' (../detect/x.js)");
  });

  it('catches the package importing itself by name (self-link) inside src', async () => {
    const r = await run({
      'src/detect/x.ts': rule,
      'src/flow/a.ts': "import { x } from 'wardwatch/dist/detect/x.js';\n",
      'src/flow/b.ts': "import { x } from 'wardwatch/src/flow/a.js';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('src/flow/a.ts:1: src/ must not import the package by name');
    expect(r.stderr).toContain('src/flow/b.ts:1: src/ must not import the package by name');
  });

  it('catches a node:* built-in in decode', async () => {
    const r = await run({ 'src/decode/bad.ts': "import { readFileSync } from 'node:fs';\n", 'src/decode/ok.ts': rule });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("src/decode/bad.ts:1: 'decode' must not import a built-in (node:fs)");
  });

  it('catches a built-in without node: in net', async () => {
    const r = await run({ 'src/net/bad.ts': "import { isIP } from 'net';\n" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("'net' must not import a built-in (net)");
  });

  it('catches an npm package in decode', async () => {
    const r = await run({ 'src/decode/bad.ts': "import { z } from 'zod';\n" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("'decode' must not import an npm package (zod)");
  });

  it('catches an npm package in policy/compile, not elsewhere in policy', async () => {
    const r = await run({
      'src/policy/compile/nft.ts': "import YAML from 'yaml';\n",
      'src/policy/learn.ts': "import YAML from 'yaml';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("src/policy/compile/nft.ts:1: 'policy' must not import an npm package (yaml)");
    expect(r.stderr).not.toContain('learn.ts');
  });

  it('catches web importing src/server, and passes web importing src/contract', async () => {
    const r = await run({
      'src/server/app.ts': rule,
      'src/contract/records.ts': rule,
      'web/src/features/devices/list.tsx': "import { x } from '../../../../src/server/app.js';\n",
      'web/src/api.ts': "import { x } from '../../src/contract/records.js';\nimport React from 'react';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("web/src/features/devices/list.tsx:1: 'web' may import only src/contract of ours");
    expect(r.stderr).not.toContain('web/src/api.ts');
  });

  it('catches a value-import cycle', async () => {
    const r = await run({
      'src/flow/a.ts': "import { b } from './b.js';\nexport const a = b;\n",
      'src/flow/b.ts': "import { c } from './c.js';\nexport const b = c;\n",
      'src/flow/c.ts': "import { a } from './a.js';\nexport const c = a;\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('import cycle: src/flow/a.ts → src/flow/b.ts → src/flow/c.ts');
  });

  it('does not report a cycle closed by type-only imports', async () => {
    const r = await run({
      'src/flow/a.ts': "import { b } from './b.js';\nexport const a = b;\nexport type A = 1;\n",
      'src/flow/b.ts': "import type { A } from './a.js';\nexport const b: A = 1;\n",
      'src/flow/c.ts': "import { type A } from './a.js';\nimport { d } from './d.js';\nexport const c: A = d;\n",
      'src/flow/d.ts': "import { type C } from './e.js';\nexport const d = 1;\n",
      'src/flow/e.ts': "export type C = 1;\nimport { type A, type B } from './c.js';\n",
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('catches a rule importing detect/aggregate', async () => {
    const r = await run({
      'src/detect/aggregate.ts': rule,
      'src/detect/context.ts': rule,
      'src/detect/rules/bad.ts': "import { x } from '../aggregate.js';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("src/detect/rules/bad.ts:1: 'detect/rules' may import only detect/context.ts");
  });

  it('catches a rule importing event values, and detect importing policy beyond match.ts', async () => {
    const r = await run({
      'src/events.ts': rule,
      'src/policy/match.ts': rule,
      'src/policy/learn.ts': rule,
      'src/detect/rules/bad.ts': "import { x } from '../../events.js';\n",
      'src/detect/detector.ts':
        "import { x } from '../policy/match.js';\nimport { x as y } from '../policy/learn.js';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("src/detect/rules/bad.ts:1: 'detect/rules' may import only");
    expect(r.stderr).toContain("src/detect/detector.ts:2: 'detect' may import only policy/match.ts");
    expect(r.stderr).not.toContain('detector.ts:1');
  });

  it('catches policy importing detect', async () => {
    const r = await run({
      'src/detect/context.ts': rule,
      'src/policy/learn.ts': "import type { x } from '../detect/context.js';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("'policy' must not import 'detect'");
  });

  it('catches a test importing dist/ or wardwatch/dist', async () => {
    const r = await run({
      'src/flow/a.ts': rule,
      'test/flow/a.test.ts': "import { x } from '../../dist/flow/a.js';\n",
      'test/flow/b.test.ts': "import { x } from 'wardwatch/dist/flow/a.js';\n",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('test/flow/a.test.ts:1: tests exercise src/, not dist/');
    expect(r.stderr).toContain('test/flow/b.test.ts:1: tests exercise src/, not the built package');
  });

  it('does not mistake strings and comments for imports', async () => {
    const r = await run({
      'src/detect/x.ts': rule,
      'src/decode/ok.ts': "// import '../detect/x.js'\nexport const s = \"import { x } from '../detect/x.js'\";\n",
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('lets web take the contract (also as @contract/…) and npm packages; refuses raw HTML and a fetch outside lib/http.ts', async () => {
    const base = {
      'src/server/app.ts': 'export const app = 1;\n',
      'src/contract/api.ts': 'export const API = 1;\n',
      'web/src/lib/http.ts': "export const get = () => fetch('/api/health');\n",
      'web/src/features/ok.tsx': [
        "import { API } from '../../../src/contract/api.js';",
        "import type { Alert } from '@contract/api';",
        "import { useQuery } from '@tanstack/react-query';",
        'export const x = API;',
      ].join('\n'),
    };
    const clean = await run(base);
    expect(clean.stderr).toBe('');
    expect(clean.status).toBe(0);
    const raw = await run({
      ...base,
      'web/src/features/raw.tsx':
        "export const R = (p: { h: string }) => <div dangerouslySetInnerHTML={{ __html: p.h }} />;\nfetch('/api/x');\n",
    });
    expect(raw.status).toBe(1);
    expect(raw.stderr).toContain("raw.tsx:1: 'web' must not use dangerouslySetInnerHTML");
    expect(raw.stderr).toContain("raw.tsx:1: 'web' calls fetch only in web/src/lib/http.ts");
    expect(raw.stderr).not.toContain('ok.tsx');
    expect(raw.stderr).not.toContain('http.ts:');
  });
});
