// `--format jsonl`: one JSON object a line, each with a `type` (DESIGN.md output contract).
import type { OutputRecord } from '../contract/records.js';

export function jsonlLine(rec: OutputRecord): string {
  return `${JSON.stringify(rec)}\n`;
}

export function formatJsonl(records: readonly OutputRecord[]): string {
  return records.map(jsonlLine).join('');
}
