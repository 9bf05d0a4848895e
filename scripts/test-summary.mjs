#!/usr/bin/env node
// Prints the plain closing line 'Tests: N passed, N failed' (', N skipped') from vitest's JSON
// report, so any reader of the log sees the real counts. Exits 1 when the report is missing.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? '.vitest-report.json';
let r;
try {
  r = JSON.parse(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`test-summary: no vitest report at ${file}: ${err.message}`);
  process.exit(1);
}
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
