// Banner analyzer: names the service a server announces (FTP, SMTP, POP3, IMAP, SSH, telnet,
// rlogin) and emits one `service-banner` per flow. Reads at most 512 bytes of the server's
// first data; a client that opens with telnet negotiation or an SSH identification is
// remembered so that a flow whose server stays silent is still named at its end.

import { type BannerService, decodeBanner, MAX_LINE } from '../../decode/banner.js';
import { type Dir, type FlowContext, holdBytes, type ProbeResult, type StreamApp, type TcpAppFactory } from '../app.js';
import { FtpControl } from './ftp.js';

const KEEP = 512;

class BannerStream implements StreamApp {
  private buf: Uint8Array = new Uint8Array(0);
  /** Of `buf`, the bytes taken from the run's budget (65 536 flows × 512 bytes would be 32 MiB). */
  private held = 0;
  private done = false;

  /** FTP's control channel is followed past its banner (data ports, file names). */
  private ftp: FtpControl | null = null;

  /** The banner is read (or given up on): nothing more to see in this flow. */
  get finished(): boolean {
    return this.done && this.ftp === null;
  }
  private clientHint: BannerService | null = null;
  private lastTs = 0;

  constructor(private readonly ctx: FlowContext) {}

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (this.ftp !== null) this.ftp.data(dir, bytes, ts);
    if (this.done || bytes.length === 0) return;
    this.lastTs = ts;
    if (dir === 0) {
      if (this.clientHint === null && this.buf.length === 0) this.clientHint = clientService(bytes);
      return;
    }
    const keep = Math.min(bytes.length, KEEP - this.buf.length);
    if (keep > 0) {
      const next = new Uint8Array(this.buf.length + keep);
      next.set(this.buf);
      next.set(bytes.subarray(0, keep), this.buf.length);
      this.buf = next;
      if (holdBytes(this.ctx, this.held, next.length, ts) < 0) {
        // Refused (stream.memcap; what was held is given back): read what there is as at the
        // banner's own bound, and keep nothing.
        this.held = 0;
        this.tryDecode(ts, true);
        this.done = true;
        this.buf = new Uint8Array(0);
        return;
      }
      this.held = next.length;
    }
    this.tryDecode(ts, this.buf.length >= KEEP);
  }

  private tryDecode(ts: number, complete: boolean): void {
    const r = decodeBanner(this.buf, 0, this.buf.length, this.ctx.server.port ?? 0, complete);
    if (r.kind === 'more') return;
    if (r.kind === 'ok') {
      this.emit(r.service, r.banner, ts);
      if (r.service === 'ftp') {
        this.ftp = new FtpControl(this.ctx);
        // The server's bytes kept so far are the banner (and what followed it).
        this.ftp.data(1, this.buf, ts);
      }
    } else if (this.clientHint !== null) this.emit(this.clientHint, '', ts);
    this.done = true;
    this.buf = new Uint8Array(0);
    holdBytes(this.ctx, this.held, 0, ts);
    this.held = 0;
  }

  private emit(service: BannerService, banner: string, ts: number): void {
    const c = this.ctx;
    c.env.countApp(service);
    c.emit({
      type: 'service-banner',
      ts,
      flowId: c.flowId,
      src: c.client,
      dst: c.server,
      ...(c.vlan !== undefined ? { vlan: c.vlan } : {}),
      service,
      banner: banner.length > MAX_LINE ? banner.slice(0, MAX_LINE) : banner,
    });
  }

  gap(dir: Dir, _length: number, ts: number): void {
    this.ftp?.gap(dir);
    if (!this.done && this.buf.length > 0) this.tryDecode(ts, true);
  }

  end(ts: number): void {
    if (this.done) return;
    if (this.buf.length > 0) this.tryDecode(ts, true);
    if (!this.done && this.clientHint !== null) this.emit(this.clientHint, '', this.lastTs || ts);
    this.done = true;
  }
}

/** What the originator's first bytes say: telnet negotiation or an SSH identification. */
function clientService(b: Uint8Array): BannerService | null {
  if (b[0] === 0xff && b.length > 1 && b[1]! >= 0xfa && b[1]! <= 0xfe) return 'telnet';
  if (b.length >= 4 && b[0] === 0x53 && b[1] === 0x53 && b[2] === 0x48 && b[3] === 0x2d) return 'ssh';
  return null;
}

export const bannerApp: TcpAppFactory = {
  name: 'banner',
  ports: [21, 23, 25, 110, 143, 22, 513, 587, 2323],
  probe(dir: Dir, b: Uint8Array): ProbeResult {
    if (b.length === 0) return 'more';
    if (dir === 0) {
      if (clientService(b) !== null) return 'yes';
      // Could still become IAC <cmd> or 'SSH-'.
      if ((b[0] === 0xff && b.length < 2) || (b.length < 4 && 'SSH-'.startsWith(Buffer.from(b).toString('latin1')))) {
        return 'more';
      }
      return 'no';
    }
    // Without the port, a '220' line is FTP or SMTP; either way it is ours.
    const r = decodeBanner(b, 0, b.length, 0);
    return r.kind === 'ok' ? 'yes' : r.kind === 'more' ? 'more' : 'no';
  },
  create(ctx: FlowContext): StreamApp {
    return new BannerStream(ctx);
  },
};
