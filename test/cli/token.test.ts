// `wardwatch token create --sensor NAME | list | revoke ID` (issue 20): the secret is printed once,
// list shows id, sensor, scope and state but never the secret, a bad sensor name is refused.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wardwatch } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-token-cli-'));
const db = join(dir, 'console.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('wardwatch token', () => {
  it('creates (secret once), lists without the secret, revokes; refuses a bad sensor name', () => {
    const made = wardwatch(['token', 'create', '--sensor', 'ward-3-icu', '--db', db]);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    const [head, token] = made.stdout.trim().split('\n');
    const id = /^token (\S+) for ward-3-icu \(ingest\)$/.exec(head ?? '')?.[1];
    // Hex: an id typed after `token revoke` never starts with '-' (base64url ids did, 1 in 64, and failed).
    expect(id).toMatch(/^[0-9a-f]{10}$/);
    expect(token).toMatch(/^ww_\S+$/);
    const list = wardwatch(['token', 'list', '--db', db]);
    expect(list.status).toBe(0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'));
    expect(rows.map((r) => [r[0], r[1], r[2], r[5]])).toEqual([[id, 'ward-3-icu', 'ingest', '-']]);
    expect(list.stdout).not.toContain((token as string).slice(-20));
    expect(wardwatch(['token', 'revoke', id as string, '--db', db]).status).toBe(0);
    const after = wardwatch(['token', 'list', '--db', db]).stdout.trim().split('\n')[1]?.split('\t');
    expect(after?.[5]).toMatch(/^\d{4}-\d\d-\d\dT/);
    const bad = wardwatch(['token', 'create', '--sensor', '../etc', '--db', db]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/not a sensor name/);
  });
});
