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

  it('refuses a web file importing the server, and allows the contract and npm packages', () => {
    const root = join(tmp, 'webcase');
    mkdirSync(join(root, 'src/server'), { recursive: true });
    mkdirSync(join(root, 'src/contract'), { recursive: true });
    mkdirSync(join(root, 'web/src/features'), { recursive: true });
    writeFileSync(join(root, 'src/server/app.ts'), 'export const app = 1;\n');
    writeFileSync(join(root, 'src/contract/api.ts'), 'export const API = 1;\n');
    const ok = [
      "import { API } from '../../../src/contract/api.js';",
      "import type { Alert } from '@contract/api';",
      "import { useQuery } from '@tanstack/react-query';",
      "import './styles.css';",
      'export const x = API;',
    ].join('\n');
    writeFileSync(join(root, 'web/src/features/ok.tsx'), `${ok}\n`);
    const clean = spawnSync('node', [script, join(root, 'src'), join(root, 'web/src')], { encoding: 'utf8' });
    expect(clean.stderr).toBe('');
    expect(clean.status).toBe(0);

    writeFileSync(
      join(root, 'web/src/features/bad.tsx'),
      "import { app } from '../../../src/server/app.js';\nexport const y = app;\n",
    );
    const r = spawnSync('node', [script, join(root, 'src'), join(root, 'web/src')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("web/src/features/bad.tsx: 'web' must not import");
    expect(r.stderr).toContain('src/server/app.js');
    expect(r.stderr).not.toContain('ok.tsx');

    writeFileSync(
      join(root, 'web/src/features/raw.tsx'),
      "export const R = (p: { h: string }) => <div dangerouslySetInnerHTML={{ __html: p.h }} />;\nfetch('/api/x');\n",
    );
    const raw = spawnSync('node', [script, join(root, 'src'), join(root, 'web/src')], { encoding: 'utf8' });
    expect(raw.status).toBe(1);
    expect(raw.stderr).toContain("raw.tsx: 'web' must not use dangerouslySetInnerHTML");
    expect(raw.stderr).toContain("raw.tsx: 'web' calls fetch only in web/src/lib/http.ts");
  });
});
