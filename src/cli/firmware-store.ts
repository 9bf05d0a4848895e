// `firmware audit --db`: the audit as the console stores it (issue 15's firmware audits table),
// keyed by the image digest and the time, so each audit of an image is kept. The store and its
// npm packages load only when --db is given.
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { FirmwareAudit } from '../contract/api.js';
import type { AuditReport } from '../firmware/types.js';

async function sha256File(path: string): Promise<string | undefined> {
  if (!statSync(path).isFile()) return undefined;
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The store's record of an audit (findings and components as the console shows them). */
export function auditRecord(r: AuditReport, at: string, sha256?: string, model?: string): FirmwareAudit {
  const stamp = at.replace(/[-:.TZ]/g, '');
  const key = sha256?.slice(0, 16) ?? createHash('sha256').update(r.image).digest('hex').slice(0, 16);
  return {
    id: `${key}-${stamp}`,
    image: basename(r.image),
    format: r.format,
    files: r.files,
    findings: r.findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      file: f.file,
      ...(f.line !== undefined ? { line: f.line } : {}),
      ...(f.offset !== undefined ? { offset: f.offset } : {}),
      evidence: f.evidence,
      ...(f.address !== undefined ? { address: f.address } : {}),
    })),
    components: r.components.map((c) => ({ name: c.name, version: c.version, file: c.file })),
    at,
    ...(sha256 !== undefined ? { sha256 } : {}),
    ...(model !== undefined ? { model } : {}),
  };
}

export async function storeAudit(db: string, image: string, r: AuditReport, model?: string): Promise<string> {
  const { openStore } = await import('../store/open.js');
  const rec = auditRecord(r, new Date().toISOString(), await sha256File(image), model);
  const store = await openStore(db);
  try {
    await store.reports.addFirmware(rec);
  } finally {
    await store.close();
  }
  return rec.id;
}
