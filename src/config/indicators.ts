// Indicator lists: the shipped YAML (with provenance), user lists in plain text or CSV, and
// inline config entries — all normalised to `Indicator`. A bad line is the user's input, so
// it throws with file:line rather than being skipped.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { WardConfig } from '../contract/config.js';
import { type Indicator, type IndicatorEntry, IndicatorFile } from '../contract/indicators.js';
import { type ErrorWhere, WardwatchError } from '../errors.js';
import { parseCidr, parseIp } from '../net/cidr-set.js';

/** data/indicators.yaml, found from src/detect (tsx, vitest) and dist/src/detect (built). */
export function shippedIndicatorsPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const p = join(dir, 'data/indicators.yaml');
    try {
      readFileSync(p);
      return p;
    } catch {
      dir = resolve(dir, '..');
    }
  }
  throw new WardwatchError('WW_INTERNAL', 'shipped data/indicators.yaml not found');
}

const DOMAIN = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z][a-z0-9-]{0,62}\.?$/i;

/** Classify one value: an address, a CIDR, or a domain; undefined when it is none of them. */
export function classify(value: string): { kind: Indicator['kind']; value: string } | undefined {
  if (value.includes('/')) return parseCidr(value) ? { kind: 'cidr', value } : undefined;
  if (parseIp(value)) return { kind: 'address', value };
  if (/^[\d.]+$/.test(value)) return undefined; // 999.1.1.1 is a typo, not a domain
  if (DOMAIN.test(value)) return { kind: 'domain', value: value.toLowerCase().replace(/\.$/, '') };
  return undefined;
}

/** `where` fills the error's fields (the entry's file and field) when the value is none of them. */
export function fromEntry(e: IndicatorEntry, origin: string, where: ErrorWhere = {}): Indicator {
  const value = e.address ?? e.cidr ?? e.domain ?? '';
  const c = classify(value);
  if (c === undefined)
    throw new WardwatchError('WW_CONFIG', `${origin}: '${value}' is not an address, CIDR or domain`, where);
  return { kind: c.kind, value: c.value, note: e.note, source: e.source, url: e.url, origin };
}

/** Split one CSV line (RFC 4180 quoting: "a, b" and "" inside quotes). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out;
}

/**
 * Parse a user list. Plain text: one address/CIDR/domain a line. CSV: `address,note,source`
 * (a first line starting with `address` is a header). `#` starts a comment in both.
 */
export function parseIndicatorList(text: string, file: string): Indicator[] {
  const out: Indicator[] = [];
  const isCsv = file.toLowerCase().endsWith('.csv');
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const line = (raw.trimStart().startsWith('#') ? '' : raw).trim();
    if (line === '') continue;
    const where = `${file}:${i + 1}`;
    const fields = isCsv ? csvFields(line) : [line.replace(/\s+#.*$/, '')];
    const [value = '', note, source] = fields;
    if (isCsv && value.toLowerCase() === 'address') continue; // the header line
    const c = classify(value);
    if (c === undefined) {
      throw new WardwatchError('WW_CONFIG', `${where}: '${value}' is not an IP address, CIDR or domain`, {
        file,
        line: i + 1,
      });
    }
    if (isCsv && fields.length > 3)
      throw new WardwatchError('WW_CONFIG', `${where}: expected address,note,source`, { file, line: i + 1 });
    out.push({ ...c, note: note || 'user list', source: source || file, origin: where });
  }
  return out;
}

/** Read indicator files: `.yaml`/`.yml`/`.json` in the shipped format, `.csv`, or plain text. */
export function loadIndicators(files: readonly string[]): Indicator[] {
  const out: Indicator[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new WardwatchError('WW_CONFIG', `cannot read indicator list ${file}: ${(err as Error).message}`, {
        cause: err,
        file,
      });
    }
    if (/\.(ya?ml|json)$/i.test(file)) {
      let raw: unknown;
      try {
        raw = parseYaml(text);
      } catch (err) {
        const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
        throw new WardwatchError('WW_CONFIG', `${file}: ${(err as Error).message.split('\n')[0]}`, {
          cause: err,
          file,
          line,
        });
      }
      const parsed = IndicatorFile.safeParse(raw);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        throw new WardwatchError('WW_CONFIG', `${file}: ${first?.path.join('.')}: ${first?.message}`, {
          file,
          field: first?.path.join('.'),
        });
      }
      parsed.data.indicators.forEach((e, i) => {
        out.push(fromEntry(e, `${file}#${i}`, { file, field: `indicators.${i}` }));
      });
    } else {
      out.push(...parseIndicatorList(text, file));
    }
  }
  return out;
}

/** Everything the config asks for: shipped list (unless turned off), indicator files, inline entries. */
export function configIndicators(config: WardConfig): Indicator[] {
  const shipped = config.shippedIndicators
    ? loadIndicators([shippedIndicatorsPath()]).map((i) => ({ ...i, origin: 'shipped' }))
    : [];
  const inline = config.indicators.map((e, i) =>
    fromEntry(e, `${config.file ?? 'config'}: indicators[${i}]`, { file: config.file, field: `indicators[${i}]` }),
  );
  return [...shipped, ...loadIndicators(config.indicatorFiles), ...inline];
}
