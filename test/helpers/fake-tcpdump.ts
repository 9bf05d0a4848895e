// A stand-in for tcpdump in tests that need its reports to say something a real capture on
// loopback never does (packets dropped by the kernel).
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes a stand-in tcpdump to DIR/tcpdump and returns its path. It writes its arguments to
 * DIR/args.json, says it is listening, writes
 * PCAP to stdout (a capture file; nothing for ''), answers SIGUSR1 with tcpdump's one-line counts
 * (10·n captured, 15·n received, 5·n dropped at the n-th signal) and SIGTERM with the multi-line
 * report tcpdump prints on exit (40 captured, 60 received, 20 dropped by the kernel, 3 by the
 * interface), then exits 0. It also exits when the process that started it is gone, so a test
 * that fails mid-way leaves nothing running.
 */
export function fakeTcpdump(dir: string, pcap: string): string {
  const file = join(dir, 'tcpdump');
  writeFileSync(
    file,
    `#!/usr/bin/env node
const fs = require('node:fs');
fs.writeFileSync(${JSON.stringify(join(dir, 'args.json'))}, JSON.stringify(process.argv.slice(2)));
let n = 0;
process.on('SIGUSR1', () => {
  n++;
  process.stderr.write('tcpdump: ' + 10 * n + ' packets captured, ' + 15 * n + ' packets received by filter, ' + 5 * n + ' packets dropped by kernel\\n');
});
process.on('SIGTERM', () => {
  process.stderr.write('40 packets captured\\n60 packets received by filter\\n20 packets dropped by kernel\\n3 packets dropped by interface\\n');
  process.exit(0);
});
// As tcpdump does: its SIGUSR1 handler is set before it says it is listening.
process.stderr.write('tcpdump: listening on fake0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\\n');
if (${JSON.stringify(pcap)} !== '') process.stdout.write(fs.readFileSync(${JSON.stringify(pcap)}));
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    process.exit(0);
  }
}, 250);
`,
  );
  chmodSync(file, 0o755);
  return file;
}
