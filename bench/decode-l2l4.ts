// Times decodePacket alone: `npx vite-node bench/decode-l2l4.ts [FILE…] [--packets N]`.
// Loads the captures' packets into memory once (the reader is timed by capture-read.ts), then
// decodes them round-robin until N packets (default 4 million) have gone through.
import { join } from 'node:path';
import { readCapture } from '../src/capture/reader.js';
import { Layers } from '../src/decode/layers.js';
import { decodePacket } from '../src/decode/packet.js';

const DEFAULT_FILES = [
  'http-bro.org.pcap',
  'ftp-ipv6.pcap',
  'rpc-nfs-write.pcap',
  'http-qinq-0.pcap',
  'linuxsll-arp.pcap',
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pi = args.indexOf('--packets');
  const target = pi >= 0 ? Number(args[pi + 1]) : 4_000_000;
  if (pi >= 0) args.splice(pi, 2);
  const files = args.length > 0 ? args : DEFAULT_FILES.map((f) => join('..', 'shared', 'testdata', 'captures', f));
  const pkts: { data: Uint8Array; linktype: number }[] = [];
  let bytes = 0;
  for (const f of files) {
    await readCapture(f, (p) => {
      pkts.push({ data: p.data.slice(), linktype: p.linktype });
      bytes += p.data.length;
    });
  }
  const out = new Layers();
  for (let round = 0; round < 3; round++) {
    let sum = 0; // depend on the results so nothing is optimised away
    const t0 = process.hrtime.bigint();
    let n = 0;
    while (n < target) {
      for (let i = 0; i < pkts.length && n < target; i++, n++) {
        const p = pkts[i];
        decodePacket(p.data, p.linktype, out);
        sum += out.payloadLen + out.srcPort;
      }
    }
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    process.stdout.write(
      `${n} packets (${pkts.length} distinct, avg ${(bytes / pkts.length).toFixed(0)} B) in ${s.toFixed(3)} s: ${(n / s / 1e6).toFixed(2)} Mpps [${sum !== 0 ? 'ok' : ''}]\n`,
    );
  }
}

await main();
