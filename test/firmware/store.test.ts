// `firmware audit --db`: the audit lands in the console's store (issue 15's firmware page reads
// it): the same findings and components as the JSON report, keyed by the image digest, with the
// model; a second audit of the same image is a second row (history), not an overwrite.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { register } from '../../src/cli/firmware.js';
import type { AuditReport } from '../../src/firmware/types.js';
import { openStore } from '../../src/store/open.js';
import { cms8000Tree, missingTools, NFS_ADDRESS, tarArchive, writeTree } from './images.js';

const base = mkdtempSync(join(tmpdir(), 'ww-fw-store-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

async function run(...args: string[]): Promise<string> {
  const program = new Command().exitOverride();
  register(program);
  let out = '';
  // output.ts waits for the write's callback, as a real stream calls it.
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
    rest.find((r): r is () => void => typeof r === 'function')?.();
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'wardwatch', 'firmware', 'audit', ...args]);
  } finally {
    spy.mockRestore();
    err.mockRestore();
  }
  return out;
}

describe('firmware audit --db', () => {
  it('writes a directory audit to the store with the findings and components of the report', async () => {
    const db = join(base, 'dir.db');
    const tree = writeTree(join(base, 'cms'), cms8000Tree());
    const report = JSON.parse(
      await run(tree, '--format', 'json', '--db', db, '--model', 'Contec CMS8000'),
    ) as AuditReport;
    const store = await openStore(db);
    try {
      const [a, ...rest] = await store.reports.firmware();
      expect(rest).toEqual([]);
      expect(a).toMatchObject({ image: 'cms', format: report.format, files: report.files, model: 'Contec CMS8000' });
      expect(a?.sha256).toBeUndefined(); // a directory has no digest
      expect(a?.findings.map((f) => [f.id, f.file, f.address])).toEqual(
        report.findings.map((f) => [f.id, f.file, f.address]),
      );
      expect(a?.findings.some((f) => f.address === NFS_ADDRESS)).toBe(true);
      expect(a?.components.map((c) => c.name)).toEqual(report.components.map((c) => c.name));
    } finally {
      await store.close();
    }
  });

  it.skipIf(missingTools().includes('tar'))('keys an image file by its SHA-256 and keeps each audit', async () => {
    const db = join(base, 'img.db');
    const img = join(base, 'cms.tar');
    const rcS = cms8000Tree()['etc/init.d/rcS'] as string;
    writeFileSync(
      img,
      tarArchive([
        { name: 'etc/', type: '5' },
        { name: 'etc/init.d/', type: '5' },
        { name: 'etc/init.d/rcS', data: rcS },
      ]),
    );
    const digest = createHash('sha256').update(readFileSync(img)).digest('hex');
    await run(img, '--format', 'json', '--db', db);
    await run(img, '--format', 'json', '--db', db);
    const store = await openStore(db);
    try {
      const audits = await store.reports.firmware();
      expect(audits).toHaveLength(2);
      for (const a of audits) {
        expect(a.sha256).toBe(digest);
        expect(a.id.startsWith(digest.slice(0, 16))).toBe(true);
        expect(a.image).toBe('cms.tar');
        expect(a.findings.some((f) => f.id === 'fw.remote-mount')).toBe(true);
      }
    } finally {
      await store.close();
    }
  });
});
