// `--workers N` places a packet by its address pair (src/engine/pair-hash.ts). The quick hash read
// straight from an Ethernet frame must agree with the full decode wherever it answers — else the
// packets of one flow could land in two shards — and must step aside for every tunnel (whose pair
// is the inner one). Checked over every packet of the shared captures, a bench capture and the
// tunnel fixtures.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeBenchCapture } from '../../src/bench/gen.js';
import { readCapture } from '../../src/capture/reader.js';
import { LINKTYPE_ETHERNET, Layers } from '../../src/decode/layers.js';
import { pairHash, quickPairHash } from '../../src/engine/pair-hash.js';
import { fixtures } from '../decode/tunnel-build.js';
import { CAPTURES_DIR } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'ww-pairhash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function check(file: string): Promise<{ packets: number; quick: number }> {
  const L = new Layers();
  let packets = 0;
  let quick = 0;
  await readCapture(file, (p) => {
    packets++;
    if (p.linktype !== LINKTYPE_ETHERNET) return;
    const frame = p.frame ?? p.data;
    const start = p.frameStart ?? 0;
    const end = p.frameEnd ?? frame.length;
    const q = quickPairHash(frame, start, end);
    if (q < 0) return;
    quick++;
    const full = pairHash(frame, p.linktype, L, start, end);
    if (q !== full) expect.fail(`${file} packet ${packets}: quick ${q}, full decode ${full}`);
  });
  return { packets, quick };
}

describe('pair hash', () => {
  const shared = readdirSync(CAPTURES_DIR).filter((f) => /\.(pcap|pcapng)$/.test(f));

  it('the quick hash agrees with the full decode on every packet of the shared captures', async () => {
    expect(shared.length).toBeGreaterThan(10);
    let quick = 0;
    for (const f of shared) quick += (await check(join(CAPTURES_DIR, f))).quick;
    expect(quick).toBeGreaterThan(1000);
  });

  it('answers for nearly every packet of the bench mix, in agreement', async () => {
    const file = join(dir, 'bench.pcap');
    writeBenchCapture(file, 20_000, 3);
    const r = await check(file);
    expect(r.packets).toBe(20_000);
    expect(r.quick / r.packets).toBeGreaterThan(0.95);
  });

  it('steps aside for every tunnel, whose pair is the inner one', () => {
    const L = new Layers();
    const tunnels = fixtures();
    expect(tunnels.length).toBeGreaterThan(5);
    for (const t of tunnels) {
      expect(quickPairHash(t.bytes, 0, t.bytes.length), t.name).toBe(-1);
      // The full decode hashes the inner hosts: not the outer pair's hash.
      expect(pairHash(t.bytes, LINKTYPE_ETHERNET, L, 0, t.bytes.length), t.name).toBeGreaterThanOrEqual(0);
    }
  });

  it('is symmetric: both directions of a pair hash alike', () => {
    const a = Uint8Array.from([
      ...[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00], // Ethernet: dst, src, IPv4
      ...[0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0], // IPv4: IHL 5, total 40, DF, TTL 64, TCP
      ...[10, 0, 0, 1, 203, 0, 113, 7], // 10.0.0.1 → 203.0.113.7
      ...[0x9c, 0x40, 0x0a, 0x1f, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0], // TCP SYN
    ]);
    const b = a.slice();
    b.set(a.subarray(30, 34), 26); // swap the addresses
    b.set(a.subarray(26, 30), 30);
    const h = quickPairHash(a, 0, a.length);
    expect(h).toBeGreaterThanOrEqual(0);
    expect(quickPairHash(b, 0, b.length)).toBe(h);
    expect(pairHash(a, LINKTYPE_ETHERNET, new Layers(), 0, a.length)).toBe(h);
  });
});
