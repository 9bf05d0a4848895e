// Local vulnerability data: a directory of OSV JSON files (an osv.dev export), matched to
// components by package name and affected versions/ranges. Nothing is fetched from the network.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { WardwatchError } from '../errors.js';
import { UNKNOWN_VERSION } from './components.js';
import type { Component, Vulnerability } from './types.js';

const Event = z.object({
  introduced: z.string().optional(),
  fixed: z.string().optional(),
  last_affected: z.string().optional(),
  limit: z.string().optional(),
});
const Osv = z.object({
  id: z.string(),
  summary: z.string().optional(),
  aliases: z.array(z.string()).optional(),
  affected: z
    .array(
      z.object({
        package: z.object({ name: z.string(), ecosystem: z.string().optional() }).optional(),
        ranges: z.array(z.object({ type: z.string(), events: z.array(Event) })).optional(),
        versions: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type OsvRecord = z.infer<typeof Osv>;

const MAX_FILE = 16 * 1024 * 1024;
const MAX_FILES = 200_000;

export async function loadOsvDir(dir: string): Promise<{ records: OsvRecord[]; warnings: string[] }> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch (err) {
    throw new WardwatchError('WW_FIRMWARE', `--osv ${dir}: cannot read the directory (${(err as Error).message})`, {
      exitCode: 2,
    });
  }
  const records: OsvRecord[] = [];
  const warnings: string[] = [];
  for (const n of names.slice(0, MAX_FILES)) {
    const p = join(dir, n);
    try {
      if ((await stat(p)).size > MAX_FILE) throw new Error('file too large');
      const json: unknown = JSON.parse(await readFile(p, 'utf8'));
      for (const item of Array.isArray(json) ? json : [json]) {
        const r = Osv.safeParse(item);
        if (r.success) records.push(r.data);
        else warnings.push(`${p}: not an OSV record`);
      }
    } catch (err) {
      warnings.push(`${p}: skipped (${(err as Error).message})`);
    }
  }
  return { records, warnings };
}

function norm(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

// Our component names → names OSV sources use for the same project.
const ALIASES: Record<string, string[]> = { linux: ['kernel', 'linuxkernel'], uclibc: ['uclibcng'] };

const PRE = /^(?:rc|alpha|beta|pre)$/i;

/** Compares dotted versions with letter suffixes (OpenSSL's 1.0.2k > 1.0.2, 1.0.0-rc1 < 1.0.0). */
export function compareVersions(a: string, b: string): number {
  const ta = a.match(/\d+|[a-z]+/gi) ?? [];
  const tb = b.match(/\d+|[a-z]+/gi) ?? [];
  for (let i = 0; i < Math.max(ta.length, tb.length); i++) {
    const x = ta[i];
    const y = tb[i];
    if (x === undefined) return y !== undefined && PRE.test(y) ? 1 : -1;
    if (y === undefined) return PRE.test(x) ? -1 : 1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d < 0 ? -1 : 1;
    } else if (nx !== ny) return nx ? 1 : -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function inRange(version: string, events: z.infer<typeof Event>[]): boolean {
  let affected = false;
  for (const ev of events) {
    if (ev.introduced !== undefined) {
      if (ev.introduced === '0' || compareVersions(version, ev.introduced) >= 0) affected = true;
    } else if (ev.fixed !== undefined) {
      if (compareVersions(version, ev.fixed) >= 0) affected = false;
    } else if (ev.last_affected !== undefined) {
      if (compareVersions(version, ev.last_affected) > 0) affected = false;
    } else if (ev.limit !== undefined && compareVersions(version, ev.limit) >= 0) affected = false;
  }
  return affected;
}

export function matchOsv(components: Component[], records: readonly OsvRecord[]): Component[] {
  return components.map((c) => {
    if (c.version === UNKNOWN_VERSION) return c;
    const names = new Set([norm(c.name), ...(ALIASES[c.name] ?? [])]);
    const vulns: Vulnerability[] = [];
    for (const r of records) {
      const hit = (r.affected ?? []).some((a) => {
        if (!a.package || !names.has(norm(a.package.name))) return false;
        if (a.versions?.includes(c.version)) return true;
        return (a.ranges ?? []).some((rg) => rg.type !== 'GIT' && inRange(c.version, rg.events));
      });
      if (hit)
        vulns.push({
          id: r.id,
          ...(r.summary ? { summary: r.summary } : {}),
          ...(r.aliases ? { aliases: r.aliases } : {}),
        });
    }
    return vulns.length > 0 ? { ...c, vulnerabilities: vulns } : c;
  });
}
