// Reads every regular file of an unpacked tree once and runs the rules over it: text files
// line by line, ELF binaries through their header and printable strings.
import { open } from 'node:fs/promises';
import { isIPv4, isIPv6 } from 'node:net';
import { severityRank } from '../contract/records.js';
import { type AddressHit, findAddresses } from './addresses.js';
import { ComponentSet } from './components.js';
import { isElf, printableStrings, readElf } from './elf.js';
import { isBootContext, type ScriptContext, scanAccounts, scanMounts, scanScript, type TextFile } from './rules.js';
import type { BinaryInfo, Component, Finding } from './types.js';
import type { TreeEntry } from './walk.js';

export interface ScanResult {
  findings: Finding[];
  components: Component[];
  binaries: BinaryInfo[];
  files: number;
  warnings: string[];
}

/** A bigger file is scanned only this far (kernels and rootfs blobs are rarely larger). */
const MAX_READ = 64 * 1024 * 1024;
// Documentation trees are full of example addresses and URLs; nothing there runs.
const SKIP_ADDRESSES = /^(?:usr\/)?share\/(?:doc|man|info|locale)\//;
const PEM_KEY = /-----BEGIN ((?:RSA |EC |DSA |OPENSSH |ENCRYPTED )?PRIVATE KEY)-----/;

export async function scanTree(entries: readonly TreeEntry[]): Promise<ScanResult> {
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const push = (f: Finding): void => {
    // One address finding per (file, address); every other rule reports each line.
    const key =
      f.id === 'fw.hardcoded-address' ? `${f.id}|${f.file}|${f.address}` : `${f.id}|${f.file}|${f.line}|${f.offset}`;
    if (seen.has(key)) return;
    seen.add(key);
    findings.push(f);
  };
  const components = new ComponentSet();
  const binaries: BinaryInfo[] = [];
  const warnings: string[] = [];
  const texts: TextFile[] = [];
  let files = 0;

  for (const e of entries) {
    components.fromPath(e.rel);
    if (e.kind !== 'file') continue;
    files++;
    if (e.size === 0) continue;
    const buf = await readHead(e.abs, Math.min(e.size, MAX_READ));
    if (e.size > MAX_READ) warnings.push(`${e.rel}: only the first ${MAX_READ} bytes were scanned`);
    if (isElf(buf)) {
      const info = readElf(buf);
      if (info) binaries.push({ file: e.rel, ...info });
      scanStrings(e.rel, buf, true, components, push);
    } else if (isText(buf)) {
      const file: TextFile = { rel: e.rel, lines: buf.toString('utf8').split(/\r?\n/) };
      scanText(file, components, push);
      if (isBootContext(file)) texts.push(file);
    } else {
      scanStrings(e.rel, buf, false, components, push);
    }
  }
  // Mounts first, across all files, so a copy in rcS from a share mounted by fstab is recognised.
  const ctx: ScriptContext = { remoteMounts: new Map() };
  for (const t of texts) scanMounts(t, ctx, push);
  for (const t of texts) scanScript(t, ctx, push);
  for (const t of texts) scanAccounts(t, push);

  findings.sort(compareFindings);
  return { findings, components: components.list(), binaries, files, warnings };
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    a.id.localeCompare(b.id) ||
    a.file.localeCompare(b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.offset ?? 0) - (b.offset ?? 0) ||
    (a.address ?? '').localeCompare(b.address ?? '')
  );
}

async function readHead(path: string, n: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

function isText(buf: Buffer): boolean {
  const n = Math.min(buf.length, 8192);
  let odd = 0;
  for (let i = 0; i < n; i++) {
    const c = buf[i]!;
    if (c === 0) return false;
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) odd++;
  }
  return odd <= n / 100;
}

function addressFinding(file: string, hit: AddressHit, where: { line?: number; offset?: number }, ev: string): Finding {
  const literal = isIPv4(hit.address) || isIPv6(hit.address);
  // An outside IP literal is the "hard-coded IP" signature; names resolve through DNS we can see.
  const severity = hit.zone === 'special' ? 'info' : hit.zone === 'outside' && literal ? 'high' : 'low';
  const t = ev.trim();
  return {
    id: 'fw.hardcoded-address',
    severity,
    file,
    ...where,
    evidence: t.length > 200 ? `${t.slice(0, 197)}...` : t,
    address: hit.address,
    zone: hit.zone,
  };
}

function scanText(file: TextFile, components: ComponentSet, push: (f: Finding) => void): void {
  const addresses = !SKIP_ADDRESSES.test(file.rel);
  file.lines.forEach((line, i) => {
    if (line.length === 0 || /^\s*#/.test(line)) return;
    if (addresses) {
      for (const hit of findAddresses(line, { hostNames: true }))
        push(addressFinding(file.rel, hit, { line: i + 1 }, line));
    }
    const key = PEM_KEY.exec(line);
    if (key) {
      const encrypted = key[1]!.startsWith('ENCRYPTED') || file.lines[i + 1]?.includes('ENCRYPTED') === true;
      const severity = encrypted ? 'medium' : 'high';
      push({ id: 'fw.private-key', severity, file: file.rel, line: i + 1, evidence: key[0] });
    }
    if (line.length < 400) components.fromString(line, file.rel);
  });
}

function scanStrings(
  rel: string,
  buf: Buffer,
  elf: boolean,
  components: ComponentSet,
  push: (f: Finding) => void,
): void {
  for (const s of printableStrings(buf, 6)) {
    components.fromString(s.text, rel);
    const key = PEM_KEY.exec(s.text);
    if (key)
      push({ id: 'fw.private-key', severity: 'high', file: rel, offset: s.offset + key.index, evidence: key[0] });
    if (!elf) continue;
    for (const hit of findAddresses(s.text, { hostNames: true })) {
      push(addressFinding(rel, hit, { offset: s.offset + hit.index }, s.text));
    }
  }
}
