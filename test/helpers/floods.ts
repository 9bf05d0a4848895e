// Captures of one ward FTP server offered to many clients, for the alert-bound tests (the CLI flood
// test and the interim-summary warnings).
import { CaptureFileWriter } from '../../src/capture/writer.js';
import { ACK, FrameBuilder, type Host, SYN } from '../../src/sim/wire.js';

/**
 * A ward FTP server (10.40.12.20) and `n` clients, each its own MAC and address counting up from
 * `firstClient` (a 32-bit address), one USER command each: 3 packets a client.
 */
export function writeFtpClients(file: string, n: number, firstClient: number): void {
  const w = new CaptureFileWriter(file, {});
  const fb = new FrameBuilder();
  const server: Host = { name: 'ftp', mac: new Uint8Array([2, 0, 0, 0, 0, 1]), ip: 0x0a280c14 };
  const user = new TextEncoder().encode('USER anonymous\r\n');
  let t = Date.UTC(2025, 0, 30, 8) * 1000;
  for (let i = 0; i < n; i++) {
    const ip = (firstClient + i) >>> 0;
    const c: Host = { name: 'c', mac: new Uint8Array([2, 1, (i >>> 16) & 255, (i >>> 8) & 255, i & 255, 9]), ip };
    const sport = 20000 + (i % 30000);
    w.write(t++, fb.tcp(c, server, sport, 21, 1000, 0, SYN, 65535, null));
    w.write(t++, fb.tcp(server, c, 21, sport, 5000, 1001, SYN | ACK, 65535, null));
    w.write(t++, fb.tcp(c, server, sport, 21, 1001, 5001, ACK, 65535, user));
  }
  w.close();
}
