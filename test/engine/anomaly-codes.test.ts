// The closed AnomalyCode list (src/decode/anomalies.ts) against what the analyser really emits:
// every code counted on the shared captures and on a seeded fuzz run over their bytes is listed,
// and every listed code has its one-line comment in the decoder's list.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ANOMALY_CODES, ANOMALY_LISTS, type AnomalyCode } from '../../src/decode/anomalies.js';
import { analyzeCaptures } from '../../src/engine/analyze.js';
import { WardwatchError } from '../../src/errors.js';
import { mutate, rng } from '../fixtures/medical/fuzz.js';
import { CAPTURES_DIR, REPO_ROOT } from '../helpers/paths.js';

const SALT = '00'.repeat(32);
const LISTED = new Set<string>(ANOMALY_CODES);
const captures = readdirSync(CAPTURES_DIR)
  .filter((f) => /\.pcap(ng)?$/.test(f))
  .sort();

/** Codes counted in the summary and carried by anomaly events of one run. */
async function codesOf(files: string[]): Promise<Set<string>> {
  const seen = new Set<string>();
  const r = await analyzeCaptures(files, {
    salt: SALT,
    onEvent: (ev) => {
      if (ev.type === 'anomaly') seen.add(ev.code);
    },
  });
  for (const c of Object.keys(r.summary.anomalies)) seen.add(c);
  return seen;
}

const tmp = mkdtempSync(join(tmpdir(), 'ww-anomaly-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('AnomalyCode', () => {
  it('is one list of unique <proto>.<what> codes, each with a one-line comment where it is listed', () => {
    expect(LISTED.size).toBe(ANOMALY_CODES.length);
    for (const [file, codes] of Object.entries(ANOMALY_LISTS)) {
      const text = readFileSync(join(REPO_ROOT, file), 'utf8');
      for (const c of codes) {
        expect(c).toMatch(/^[a-z0-9]+\.[a-z0-9-]+$/);
        expect(text, `${file}: ${c}`).toMatch(new RegExp(`^\\s*'${c.replace(/\./g, '\\.')}', // \\S.*$`, 'm'));
      }
    }
    // A typo'd code does not compile (npm run lint type-checks this file).
    // @ts-expect-error 'dns.pointer-lop' is not an AnomalyCode
    const typo: AnomalyCode = 'dns.pointer-lop';
    expect(LISTED.has(typo)).toBe(false);
  });

  it('lists every code emitted on the shared captures', async () => {
    const seen = new Set<string>();
    for (const f of captures) for (const c of await codesOf([join(CAPTURES_DIR, f)])) seen.add(c);
    expect([...seen].filter((c) => !LISTED.has(c))).toEqual([]);
    // The overlapping IPv4 fragments of ipv4-fragmented-1 do produce codes, so the check has something to check.
    expect([...seen]).toEqual(expect.arrayContaining(['ipfrag.overlap', 'ipfrag.past-end']));
    console.info(`anomaly codes on the shared captures: ${[...seen].sort().join(', ')}`);
  });

  it('lists every code emitted on 300 seeded mutants of the shared captures', async () => {
    const r = rng(13);
    const small = captures.filter((f) => readFileSync(join(CAPTURES_DIR, f)).length < 64 * 1024);
    const seen = new Set<string>();
    let read = 0;
    for (let i = 0; i < 300; i++) {
      const name = small[i % small.length] as string;
      const bytes = readFileSync(join(CAPTURES_DIR, name));
      // Keep the file header (24 bytes of pcap, the first block of pcapng mostly) so most mutants
      // get past the reader to the decoders.
      const head = bytes.subarray(0, 24);
      const body = mutate(bytes.subarray(24), r);
      const p = join(tmp, `m${i}-${name}`);
      writeFileSync(p, Buffer.concat([head, body]));
      try {
        for (const c of await codesOf([p])) seen.add(c);
        read++;
      } catch (e) {
        // A capture file the reader rejects is the user's input, not wire data.
        expect(e).toBeInstanceOf(WardwatchError);
      }
      rmSync(p);
    }
    expect(read).toBeGreaterThan(150);
    expect([...seen].filter((c) => !LISTED.has(c))).toEqual([]);
    console.info(`anomaly codes on ${read} readable mutants: ${[...seen].sort().join(', ')}`);
  }, 60_000);
});
