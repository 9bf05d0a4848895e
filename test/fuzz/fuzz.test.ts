// Keep it found (issue 17): a bounded, seeded mutation-fuzz run through the library entry every
// command uses (hundreds of mutants, rendered in every format) and through the real CLI process
// (a few dozen, each with a timeout): no internal error, no hang, every stdout line a contract
// record, the summary last. `npm run fuzz` is the long run (thousands, nightly-size).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzSources, pool, runCli, runInProcess, type Source } from './harness.js';
import { MUTATOR_NAMES, mutant } from './mutate.js';

const SEED = 0x17;
const IN_PROCESS = 300;
const CLI_MUTANTS = 33; // three of every mutator
const BATCH = 4; // mutants per CLI process (a run over several captures)
const dir = mkdtempSync(join(tmpdir(), 'ww-fuzz-'));
let sources: Source[];
beforeAll(async () => {
  sources = await fuzzSources();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mutation fuzz (seeded)', () => {
  it(`${IN_PROCESS} mutants through the library: no crash, valid records in every format`, async () => {
    const failures: string[] = [];
    const tally = { refused: 0, damaged: 0, clean: 0 };
    for (let i = 0; i < IN_PROCESS; i++) {
      const m = mutant(sources, SEED, i);
      const v = await runInProcess(m.bytes);
      if (!v.ok) failures.push(`${m.name}: ${v.why}`);
      else if (v.refused) tally.refused++;
      else if (v.damaged) tally.damaged++;
      else tally.clean++;
    }
    expect(failures).toEqual([]);
    // The mutants must reach the damage paths and still analyse most captures, or this proves little.
    expect(tally.damaged).toBeGreaterThan(IN_PROCESS / 5);
    expect(tally.clean).toBeGreaterThan(IN_PROCESS / 10);
  });

  it(`${CLI_MUTANTS} mutants through CLI processes: exit 0 or 2, never 70, no hang, jsonl with the summary last`, async () => {
    const ms = Array.from({ length: CLI_MUTANTS }, (_, k) => mutant(sources, SEED + 1, k));
    expect(new Set(ms.map((m) => m.mutator))).toEqual(new Set(MUTATOR_NAMES));
    // What the library refuses ("not a capture") runs alone, to see exit 2 from the CLI; the rest in batches.
    const refused = new Set<string>();
    for (const m of ms) {
      const v = await runInProcess(m.bytes);
      if (v.ok && v.refused) refused.add(m.name);
    }
    const runs: (typeof ms)[] = ms.filter((m) => refused.has(m.name)).map((m) => [m]);
    const rest = ms.filter((m) => !refused.has(m.name));
    for (let k = 0; k < rest.length; k += BATCH) runs.push(rest.slice(k, k + BATCH));
    const verdicts = await pool(
      2,
      runs.map((batch) => () => runCli(batch, dir, 30_000)),
    );
    const failures = verdicts.flatMap((v, k) => (v.ok ? [] : [`${runs[k]!.map((m) => m.name).join(' ')}: ${v.why}`]));
    expect(failures).toEqual([]);
    expect(verdicts.filter((v) => v.ok && !v.refused).length).toBeGreaterThan(rest.length / BATCH - 1);
  }, 120_000);
});
