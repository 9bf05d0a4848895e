// Zeek-style baselines: `analyze --format jsonl` on every shared capture (../shared/testdata/captures,
// see its PROVENANCE.md) compared with the reviewed test/fixtures/baselines/<capture>.jsonl. Run in
// process with what the CLI uses (default config, --max-flows 100000, formatJsonl of alerts, devices,
// summary) and a fixed salt, so patient hashes are stable. The only rewrite is the captures folder
// in file names, which differs between machines. UPDATE_GOLDEN=1 rewrites the baselines; read the
// diff and note what you checked in test/fixtures/PROVENANCE.md.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { Pipeline } from '../../src/engine/analyze.js';
import { formatJsonl } from '../../src/export/jsonl.js';
import { golden } from '../helpers/golden.js';
import { CAPTURES_DIR, REPO_ROOT } from '../helpers/paths.js';

// The CLI's home in tests (test/helpers/cli.ts): no user config or salt file is read.
process.env.WARDWATCH_HOME = join(REPO_ROOT, 'test/.home');
const SALT = '5a'.repeat(32);

const captures = readdirSync(CAPTURES_DIR)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .sort();

async function analyzeJsonl(file: string): Promise<string> {
  const pipeline = new Pipeline({ salt: SALT, maxFlows: 100_000 });
  await pipeline.readFile(join(CAPTURES_DIR, file));
  const r = pipeline.finish();
  return formatJsonl([...r.alerts, ...r.devices, r.summary]).replaceAll(CAPTURES_DIR, '<captures>');
}

describe('baselines of the shared captures', () => {
  it('has one capture at least', ({ expect }) => expect(captures.length).toBeGreaterThan(0));
  for (const f of captures) it(f, async () => golden(`baselines/${f}.jsonl`, await analyzeJsonl(f)));
});
