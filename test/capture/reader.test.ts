// The readers against every shared capture: counts, formats and link types must equal what
// tshark reported (ground-truth.json), and packets must equal an independent reading.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCapture } from '../../src/capture/reader.js';
import { CAPTURES_DIR, capture, GROUND_TRUTH } from '../helpers/paths.js';
import { pcapRecords } from '../helpers/pcap-records.js';
import { copyPkt, digest, type Pkt, parseBytes, parseFile, rng } from './helpers.js';

interface Truth {
  packets: number;
  format: 'pcap' | 'nsecpcap' | 'pcapng';
  link: string;
}
const truth = JSON.parse(readFileSync(GROUND_TRUTH, 'utf8')) as Record<string, Truth>;
const files = readdirSync(CAPTURES_DIR).filter((f) => /\.pcap(ng)?$/.test(f));

// tshark's encapsulation names → link-type numbers. "rawip4" is raw IPv4: the file header
// says 228 (LINKTYPE_IPV4) or 101 (LINKTYPE_RAW); both mean the same to the decoders.
const LINKS: Record<string, number[]> = { ether: [1], 'linux-sll': [113], 'linux-sll2': [276], rawip4: [101, 228] };

describe('every shared capture', () => {
  it('has ground truth for every file', () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    for (const f of files) expect(truth[f], f).toBeDefined();
  });

  for (const f of files) {
    it(`${f}: packet count, format and link type equal tshark`, async () => {
      const t = truth[f]!;
      const seen: Pkt[] = [];
      const info = await readCapture(capture(f), (p) => seen.push(copyPkt(p)));
      expect(info.damaged).toBe(false);
      expect(info.packets).toBe(t.packets);
      expect(seen.length).toBe(t.packets);
      expect(info.format).toBe(t.format);
      expect(info.linktypes.length).toBeGreaterThan(0);
      for (const lt of info.linktypes) expect(LINKS[t.link]).toContain(lt);
      expect(info.bytes).toBe(seen.reduce((n, p) => n + p.data.length, 0));
      for (const p of seen) {
        expect(LINKS[t.link]).toContain(p.linktype);
        expect(p.origLen).toBeGreaterThanOrEqual(p.data.length);
      }
      if (t.format !== 'pcapng') {
        // The test helper reads classic pcap independently of the code under test.
        const ref = pcapRecords(capture(f));
        expect(seen.map((p) => p.ts)).toEqual(ref.map((r) => r.ts));
        expect(seen.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(
          ref.map((r) => Buffer.from(r.data).toString('hex')),
        );
      }
    });
  }
});

describe('pcapng', () => {
  it('http-get.pcapng holds exactly the packets of http-get.pcap', () => {
    const a = parseFile(capture('http-get.pcap'));
    const b = parseFile(capture('http-get.pcapng'));
    expect(b.info.format).toBe('pcapng');
    expect(digest(b.pkts)).toBe(digest(a.pkts));
  });

  it('pcapng-multi-interface: two IDBs, ns and µs resolution, packets on both', () => {
    const { pkts, info } = parseFile(capture('pcapng-multi-interface.pcapng'));
    expect(info.linktypes).toEqual([1, 1]);
    expect(info.snaplen).toBe(262144);
    expect(pkts.map((p) => p.ifIndex)).toEqual([0, 0, 1, 1, 1, 1]);
    // tshark: 1767663089.500330493 (if 0, tsresol 9) and 1767663437.111897 (if 1, tsresol 6).
    expect(pkts[0]!.ts).toBe(1767663089500330);
    expect(pkts[1]!.ts).toBe(1767663089514291);
    expect(pkts[2]!.ts).toBe(1767663437111897);
    expect(pkts[5]!.ts).toBe(1767663437140942);
    expect(pkts.map((p) => p.data.length)).toEqual([96, 214, 70, 166, 70, 182]);
  });
});

describe('nanosecond pcap', () => {
  it('dhcp-dhcp.nsec.pcap gives the same packets as dhcp-dhcp.pcap', () => {
    const us = parseFile(capture('dhcp-dhcp.pcap'));
    const ns = parseFile(capture('dhcp-dhcp.nsec.pcap'));
    expect(ns.info.format).toBe('nsecpcap');
    expect(digest(ns.pkts)).toBe(digest(us.pkts));
  });
});

describe('chunk boundaries', () => {
  for (const f of ['http-get.pcap', 'pcapng-multi-interface.pcapng', 'dhcp-dhcp.nsec.pcap', 'linux_dlt_sll2.pcap']) {
    it(`${f}: one byte at a time and random chunk sizes give the same packets`, () => {
      const whole = parseFile(capture(f));
      const bytewise = parseFile(capture(f), [1]);
      expect(bytewise.info.packets).toBe(whole.info.packets);
      expect(digest(bytewise.pkts)).toBe(digest(whole.pkts));
      const r = rng(42);
      for (let round = 0; round < 20; round++) {
        const sizes = Array.from({ length: 50 }, () => 1 + Math.floor(r() * 700));
        const res = parseFile(capture(f), sizes);
        expect(res.info.damaged).toBe(false);
        expect(digest(res.pkts)).toBe(digest(whole.pkts));
      }
    });
  }

  it('a large capture read in 1 MiB chunks equals one-chunk parsing', async () => {
    const f = capture('http-bro.org.pcap');
    const whole = parseFile(f);
    const seen: Pkt[] = [];
    const progress: number[] = [];
    const info = await readCapture(f, (p) => seen.push(copyPkt(p)), {
      onProgress: (o, total) => progress.push(o, total),
    });
    expect(info.packets).toBe(751);
    expect(info.offset).toBe(readFileSync(f).length);
    expect(digest(seen)).toBe(digest(whole.pkts));
    expect(progress.at(-2)).toBe(readFileSync(f).length);
    expect(progress.at(-1)).toBe(readFileSync(f).length);
  });
});

describe('pcap header details', () => {
  it('FCS flags in the link-type word are ignored; an unknown link type is delivered with a warning', () => {
    const b = new Uint8Array(readFileSync(capture('http-get.pcap')));
    // Bits 28-31: F flag + FCS length (pcap draft 4.1); the link type is the low 16 bits.
    b[23] = 0x14;
    const fcs = parseBytes(b);
    expect(fcs.info.linktypes).toEqual([1]);
    expect(fcs.pkts[0]!.linktype).toBe(1);
    expect(fcs.info.warnings).toEqual([]);
    b[23] = 0;
    b[20] = 147; // LINKTYPE_USER0
    const user = parseBytes(b);
    expect(user.info).toMatchObject({ linktypes: [147], packets: 14, damaged: false });
    expect(user.info.warnings).toEqual(['link type 147 is not decoded']);
  });
});
