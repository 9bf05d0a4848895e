// The reading side of policy files (src/contract/policy.ts) that `policy.violation` needs:
// YAML or JSON, validated, errors with the file and the YAML line.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { PolicyFile } from '../contract/policy.js';
import { WardwatchError } from '../errors.js';

export function parsePolicy(text: string, file: string): PolicyFile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    throw new WardwatchError(
      'WW_POLICY_INVALID',
      `${file}:${e?.linePos?.[0]?.line ?? '?'}: ${e?.message.split('\n')[0]}`,
      { file, line: e?.linePos?.[0]?.line },
    );
  }
  const parsed = PolicyFile.safeParse(doc.toJS());
  if (parsed.success) return parsed.data;
  const at = parsed.error.issues.map((issue) => {
    let line: number | undefined;
    for (let n = issue.path.length; n >= 0 && line === undefined; n--) {
      const node = n === 0 ? doc.contents : doc.getIn(issue.path.slice(0, n), true);
      const range = (node as { range?: [number, number, number] } | null)?.range;
      if (range) line = lc.linePos(range[0]).line;
    }
    return { line, field: issue.path.join('.'), message: issue.message };
  });
  const lines = at.map((p) => `${file}${p.line !== undefined ? `:${p.line}` : ''}: ${p.field}: ${p.message}`);
  // The fields name the first problem; the message lists them all.
  throw new WardwatchError('WW_POLICY_INVALID', `invalid policy\n  ${lines.join('\n  ')}`, {
    file,
    line: at[0]?.line,
    field: at[0]?.field,
  });
}

export function loadPolicy(path: string): PolicyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new WardwatchError('WW_POLICY_INVALID', `cannot read policy ${path}: ${(err as Error).message}`, {
      cause: err,
      file: path,
    });
  }
  return parsePolicy(text, path);
}
