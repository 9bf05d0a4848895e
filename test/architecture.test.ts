import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './helpers/paths.js';

const script = join(REPO_ROOT, 'scripts/check-imports.mjs');

describe('import direction (DESIGN.md "Layout")', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ww-arch-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('holds for the project', () => {
    const out = execFileSync('node', [script], { encoding: 'utf8' });
    expect(out).toContain('direction ok');
  });

  it('catches a decoder importing a judge', () => {
    mkdirSync(join(tmp, 'decode'), { recursive: true });
    mkdirSync(join(tmp, 'detect'), { recursive: true });
    writeFileSync(join(tmp, 'detect/rule.ts'), 'export const x = 1;\n');
    writeFileSync(join(tmp, 'decode/bad.ts'), "import { x } from '../detect/rule.js';\nexport const y = x;\n");
    const r = spawnSync('node', [script, tmp], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("'decode' must not import 'detect'");
  });
});
