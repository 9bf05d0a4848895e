// FTP control channel after its banner: file names of RETR/STOR (names only, as `file-transfer`)
// and the data connections PORT/EPRT/PASV/EPSV announce, handed to the dispatcher
// (`env.expectFlow`) so each data flow is named 'ftp-data' and tied to this flow. The banner
// analyzer (banner.ts) owns the flow and passes every byte here once it has named it FTP.

import { FTP_MAX_LINE, type FtpLine, ftpCommand, ftpReply, lineText } from '../../decode/ftp.js';
import type { FileTransfer } from '../../events.js';
import { type Dir, type FlowContext, holdBytes } from '../app.js';

/** File names reported per control flow (a mirror job may RETR thousands). */
const MAX_FILES = 64;

export class FtpControl {
  /**
   * Each direction's unfinished line: a buffer made only when a line spans segments (a line read
   * whole from one segment is read in place), from the run's budget, and let go once the line is
   * out. 65 536 control flows each holding 512 bytes a direction would be 64 MiB.
   */
  private readonly line: [Uint8Array | null, Uint8Array | null] = [null, null];
  private readonly len: [number, number] = [0, 0];
  /** Skipping the rest of an over-long line, or of one the budget could not hold. */
  private readonly skip: [boolean, boolean] = [false, false];
  private files = 0;

  constructor(private readonly ctx: FlowContext) {}

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    let start = 0;
    for (let nl = bytes.indexOf(0x0a); nl >= 0; nl = bytes.indexOf(0x0a, start)) {
      this.lineEnd(dir, bytes, start, nl, ts);
      start = nl + 1;
    }
    if (start < bytes.length) this.keep(dir, bytes, start, ts);
  }

  /** Lost bytes: the partial line is unusable. */
  gap(dir: Dir): void {
    this.release(dir);
    this.skip[dir] = true;
  }

  /** A line ends at `nl`: what was held of it, then bytes[start, nl). */
  private lineEnd(dir: Dir, bytes: Uint8Array, start: number, nl: number, ts: number): void {
    const held = this.len[dir];
    if (this.skip[dir]) this.skip[dir] = false;
    else if (held + (nl - start) > FTP_MAX_LINE) this.ctx.anomaly('ftp.long-line', ts);
    else if (held === 0) this.onLine(dir, lineText(bytes, start, nl), ts);
    else {
      const buf = this.line[dir]!;
      buf.set(bytes.subarray(start, nl), held);
      this.onLine(dir, lineText(buf, 0, held + (nl - start)), ts);
    }
    this.release(dir);
  }

  /** An unfinished line's bytes bytes[start, end): held for the next segment. */
  private keep(dir: Dir, bytes: Uint8Array, start: number, ts: number): void {
    if (this.skip[dir]) return;
    const n = bytes.length - start;
    if (this.len[dir] + n > FTP_MAX_LINE) {
      this.ctx.anomaly('ftp.long-line', ts);
      this.release(dir);
      this.skip[dir] = true;
      return;
    }
    let buf = this.line[dir];
    if (buf === null) {
      if (holdBytes(this.ctx, 0, FTP_MAX_LINE, ts) < 0) {
        this.skip[dir] = true; // refused: this line is not read (stream.memcap)
        return;
      }
      buf = this.line[dir] = new Uint8Array(FTP_MAX_LINE);
    }
    buf.set(bytes.subarray(start), this.len[dir]);
    this.len[dir] += n;
  }

  private release(dir: Dir): void {
    this.len[dir] = 0;
    if (this.line[dir] === null) return;
    this.line[dir] = null;
    holdBytes(this.ctx, FTP_MAX_LINE, 0, 0);
  }

  private onLine(dir: Dir, t: string, ts: number): void {
    const r: FtpLine = dir === 0 ? ftpCommand(t) : ftpReply(t);
    const { ctx } = this;
    if (r.kind === 'anomaly') ctx.anomaly(r.code, ts);
    else if (r.kind === 'data-port') {
      // The announcing end's own address: the one in the text may be a NAT's inside address.
      const ip = r.passive ? ctx.server.ip : ctx.client.ip;
      ctx.env.expectFlow?.(ip, r.port, 'tcp', 'ftp-data', ctx.flowId);
    } else if (r.kind === 'file' && r.op !== 'list' && this.files < MAX_FILES) {
      this.files++;
      const ev: FileTransfer = {
        type: 'file-transfer',
        ts,
        flowId: ctx.flowId,
        src: ctx.client,
        dst: ctx.server,
        vlan: ctx.vlan,
        protocol: 'ftp',
        op: r.op,
        fileName: r.name,
      };
      ctx.emit(ev);
    }
  }
}
