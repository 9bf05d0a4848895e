// Loads the device catalog: the shipped data/catalog.yaml plus the user's files from the config.
// A user file is the user's own input, so a mistake in it stops the run with the file, the line
// and what to fix (YAML positions via `LineCounter`, mapped from zod issue paths).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isNode, LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { type Catalog, CatalogFile, type CatalogModel } from '../contract/catalog.js';

export type { Catalog } from '../contract/catalog.js';
import { WardwatchError } from '../errors.js';

/** data/catalog.yaml: two levels up from both src/config/ and dist/config/. */
export const SHIPPED_CATALOG = join(dirname(fileURLToPath(import.meta.url)), '../../data/catalog.yaml');

type Path = readonly PropertyKey[];

function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(top level)';
}

/** Line:column of the deepest node along `path` that exists in the document. */
function position(doc: ReturnType<typeof parseDocument>, counter: LineCounter, path: Path): string {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) {
      const { line, col } = counter.linePos(node.range[0]);
      return `${line}:${col}`;
    }
  }
  return '1:1';
}

function issueText(issue: z.core.$ZodIssue): { path: Path; message: string } {
  // An unknown key is best reported at the key itself, with the keys the schema does know.
  if (issue.code === 'unrecognized_keys') {
    return { path: [...issue.path, issue.keys[0] ?? ''], message: `unknown key(s) ${issue.keys.join(', ')}` };
  }
  return { path: issue.path, message: issue.message };
}

/** Parse and validate one catalog file's text. `file` names it in errors. */
export function parseCatalog(text: string, file: string): CatalogFile {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const at = yamlError.linePos?.[0];
    const where = at ? `${at.line}:${at.col}` : '1:1';
    throw new WardwatchError(
      'WW_CONFIG',
      `${file}:${where}: not valid YAML/JSON: ${yamlError.message.split('\n')[0]}`,
      {
        file,
        line: at?.line ?? 1,
      },
    );
  }
  const parsed = CatalogFile.safeParse(doc.toJS());
  if (!parsed.success) {
    const at = parsed.error.issues.slice(0, 5).map((issue) => {
      const { path, message } = issueText(issue);
      return { pos: position(doc, counter, path), field: formatPath(path), message };
    });
    const lines = at.map((p) => `${file}:${p.pos}: ${p.field}: ${p.message}`);
    const more = parsed.error.issues.length > 5 ? `\n(and ${parsed.error.issues.length - 5} more)` : '';
    // The fields name the first problem; the message lists up to five.
    throw new WardwatchError('WW_CONFIG', `invalid device catalog\n${lines.join('\n')}${more}`, {
      file,
      line: at[0] === undefined ? undefined : Number.parseInt(at[0].pos, 10),
      field: at[0]?.field,
    });
  }
  const ids = new Set<string>();
  for (const [i, m] of parsed.data.models.entries()) {
    if (ids.has(m.id)) {
      const pos = position(doc, counter, ['models', i, 'id']);
      throw new WardwatchError('WW_CONFIG', `${file}:${pos}: models[${i}].id: '${m.id}' appears twice in this file`, {
        file,
        line: Number.parseInt(pos, 10),
        field: `models[${i}].id`,
      });
    }
    ids.add(m.id);
  }
  return parsed.data;
}

function readCatalogFile(file: string): CatalogFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new WardwatchError('WW_CONFIG', `cannot read device catalog ${file}: ${(err as Error).message}`, {
      cause: err,
      file,
    });
  }
  return parseCatalog(text, file);
}

/** Merge catalogs in order: a later model with an existing id replaces it in place; new ids are appended. */
export function mergeCatalogs(parts: readonly { file: string; data: CatalogFile }[]): Catalog {
  const byId = new Map<string, CatalogModel>();
  for (const { data } of parts) for (const m of data.models) byId.set(m.id, m);
  const models = [...byId.values()];
  for (const m of models) {
    if (m.relabelOf !== undefined && !byId.has(m.relabelOf)) {
      const part = parts.find((p) => p.data.models.includes(m));
      const file = part?.file ?? 'catalog';
      throw new WardwatchError(
        'WW_CONFIG',
        `${file}: model '${m.id}' is a relabel of '${m.relabelOf}', which no catalog defines`,
        {
          file: part?.file,
          field: part === undefined ? 'relabelOf' : `models[${part.data.models.indexOf(m)}].relabelOf`,
        },
      );
    }
  }
  return { models, files: parts.map((p) => p.file) };
}

let shipped: CatalogFile | undefined;

/** The shipped catalog merged with `extraFiles` (the config's `catalog` entries), in that order. */
export function loadCatalog(extraFiles: readonly string[] = []): Catalog {
  shipped ??= readCatalogFile(SHIPPED_CATALOG);
  return mergeCatalogs([
    { file: SHIPPED_CATALOG, data: shipped },
    ...extraFiles.map((file) => ({ file, data: readCatalogFile(file) })),
  ]);
}
