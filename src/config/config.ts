// Loads the YAML config and points every error at its file and line: the person fixing it
// has the file open in an editor, so "wardwatch.yaml:14: suppressions[0].reason: …" is
// the message that helps.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isMap, isNode, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigFile, type WardConfig } from '../contract/config.js';
import { WardwatchError } from '../errors.js';
import { DEFAULT_SITE, parseCidr, parseIp } from '../net/cidr-set.js';

type Path = readonly PropertyKey[];

interface Problem {
  path: Path;
  message: string;
  /** For unknown keys: point at the key itself rather than its object. */
  key?: string;
}

function pathText(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? String(p) : `.${String(p)}`;
  return s;
}

/** The line of the deepest node that exists on `path` (a missing key points at its parent). */
function lineOf(doc: ReturnType<typeof parseDocument>, lc: LineCounter, path: Path, key?: string): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node: unknown = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (!isNode(node)) continue;
    let target: Node = node;
    if (key !== undefined && n === path.length && isMap(node)) {
      const pair = node.items.find((p) => isNode(p.key) && String((p.key as { value?: unknown }).value) === key);
      if (pair && isNode(pair.key)) target = pair.key;
    }
    if (target.range) return lc.linePos(target.range[0]).line;
  }
  return undefined;
}

function zodProblems(err: z.ZodError): Problem[] {
  const out: Problem[] = [];
  for (const issue of err.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const k of issue.keys) out.push({ path: issue.path, key: k, message: `unknown key '${k}'` });
    } else if (issue.code === 'invalid_type' && issue.message.endsWith('received undefined')) {
      out.push({
        path: issue.path,
        message: `required (${issue.message.replace(/^Invalid input: /, '').replace(/, received undefined$/, '')})`,
      });
    } else {
      out.push({ path: issue.path, message: issue.message });
    }
  }
  return out;
}

const MAC = /^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i;

/** Address syntax the schema leaves to us (zod cannot know CIDRs without our parser). */
function addressProblems(cfg: ConfigFile): Problem[] {
  const out: Problem[] = [];
  const cidr = (path: Path, v: string | undefined) => {
    if (v !== undefined && parseCidr(v) === undefined)
      out.push({ path, message: `'${v}' is not an IP address or CIDR` });
  };
  const ip = (path: Path, v: string | undefined) => {
    if (v !== undefined && parseIp(v) === undefined) out.push({ path, message: `'${v}' is not an IP address` });
  };
  cfg.site.forEach((s, i) => {
    cidr(['site', i], s);
  });
  cfg.hl7Receivers.forEach((r, i) => {
    if (r.device !== undefined && !MAC.test(r.device) && parseIp(r.device) === undefined)
      out.push({ path: ['hl7Receivers', i, 'device'], message: `'${r.device}' is neither a MAC nor an IP address` });
    r.receivers.forEach((x, j) => {
      cidr(['hl7Receivers', i, 'receivers', j], x);
    });
  });
  cfg.allowlist.forEach((a, i) => {
    ip(['allowlist', i, 'address'], a.address);
    cidr(['allowlist', i, 'cidr'], a.cidr);
  });
  cfg.indicators.forEach((a, i) => {
    ip(['indicators', i, 'address'], a.address);
    cidr(['indicators', i, 'cidr'], a.cidr);
  });
  cfg.suppressions.forEach((s, i) => {
    if (s.device !== undefined && !MAC.test(s.device) && parseIp(s.device) === undefined)
      out.push({ path: ['suppressions', i, 'device'], message: `'${s.device}' is neither a MAC nor an IP address` });
    // A peer that looks like an address must be one; anything else is a domain.
    if (s.peer !== undefined && (/^[\d.]+(\/\d+)?$/.test(s.peer) || s.peer.includes(':') || s.peer.includes('/')))
      cidr(['suppressions', i, 'peer'], s.peer);
  });
  return out;
}

function fail(file: string, doc: ReturnType<typeof parseDocument>, lc: LineCounter, problems: Problem[]): never {
  const at = problems.map((p) => ({
    line: lineOf(doc, lc, p.path, p.key),
    field: pathText(p.key !== undefined ? [...p.path, p.key] : p.path),
    message: p.message,
  }));
  const lines = at.map(
    (p) => `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.field === '' ? '' : `${p.field}: `}${p.message}`,
  );
  // The fields name the first problem; the message lists them all.
  const first = at[0];
  throw new WardwatchError('WW_CONFIG', `invalid config\n  ${lines.join('\n  ')}`, {
    file,
    line: first?.line,
    field: first?.field === '' ? undefined : first?.field,
  });
}

/** Parse config text. `file` names it in errors and anchors relative paths. */
export function parseConfig(text: string, file: string): WardConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const msgs = doc.errors.map((e) => `${file}:${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`);
    throw new WardwatchError('WW_CONFIG', `invalid config (YAML)\n  ${msgs.join('\n  ')}`, {
      file,
      line: doc.errors[0]?.linePos?.[0]?.line,
    });
  }
  const raw: unknown = doc.toJS() ?? {};
  const parsed = ConfigFile.safeParse(raw);
  if (!parsed.success) fail(file, doc, lc, zodProblems(parsed.error));
  const cfg = parsed.data;
  const bad = addressProblems(cfg);
  if (bad.length > 0) fail(file, doc, lc, bad);
  const base = dirname(resolve(file));
  return {
    ...cfg,
    file,
    indicatorFiles: cfg.indicatorFiles.map((f) => resolve(base, f)),
    catalogFiles: cfg.catalogFiles.map((f) => resolve(base, f)),
    saltFile: cfg.saltFile === undefined ? undefined : resolve(base, cfg.saltFile),
    zones: cfg.siteReplaceDefaults ? [...cfg.site] : [...DEFAULT_SITE, ...cfg.site],
  };
}

/** Load the config file; without a path, the defaults (DESIGN.md zones, shipped indicators). */
export function loadConfig(path?: string): WardConfig {
  if (path === undefined) return parseConfig('{}', '<defaults>');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WardwatchError('WW_CONFIG', `cannot read config ${path}: ${(err as Error).message}`, {
      cause: err,
      file: path,
    });
  }
  return parseConfig(text, path);
}
