// Times readCapture over one file: `node capture-read.js FILE [repeat]`. The floor every
// analysis pays; compare with `tcpdump -nr FILE -w /dev/null` on the same file.
import { statSync } from 'node:fs';
import { readCapture } from '../src/capture/reader.js';

async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file) {
    process.stderr.write('usage: capture-read FILE [repeat]\n');
    process.exit(1);
  }
  const repeat = Number(process.argv[3] ?? 3);
  const size = statSync(file).size;
  for (let i = 0; i < repeat; i++) {
    let sum = 0; // touch every packet so nothing is optimised away
    const t0 = process.hrtime.bigint();
    const info = await readCapture(file, (p) => {
      sum += p.data.length + p.data[0]!;
    });
    const s = Number(process.hrtime.bigint() - t0) / 1e9;
    const mpps = info.packets / s / 1e6;
    const mbs = size / s / 1e6;
    process.stdout.write(
      `${info.packets} packets, ${(size / 1e6).toFixed(0)} MB in ${s.toFixed(3)} s: ${mpps.toFixed(2)} Mpps, ${mbs.toFixed(0)} MB/s, rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB${info.damaged ? ` (damaged: ${info.damage})` : ''} [${sum > 0 ? 'ok' : ''}]\n`,
    );
  }
}

await main();
