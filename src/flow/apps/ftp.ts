// FTP control channel after its banner: file names of RETR/STOR (names only, as `file-transfer`)
// and the data connections PORT/EPRT/PASV/EPSV announce, handed to the dispatcher
// (`env.expectFlow`) so each data flow is named 'ftp-data' and tied to this flow. The banner
// analyzer (banner.ts) owns the flow and passes every byte here once it has named it FTP.

import { FTP_MAX_LINE, type FtpLine, ftpCommand, ftpReply, lineText } from '../../decode/ftp.js';
import type { FileTransfer } from '../../events.js';
import type { Dir, FlowContext } from '../app.js';

/** File names reported per control flow (a mirror job may RETR thousands). */
const MAX_FILES = 64;

export class FtpControl {
  /** Each direction's line buffer, made at its first byte (a flood of control flows that say nothing costs none). */
  private readonly line: [Uint8Array | null, Uint8Array | null] = [null, null];
  private readonly len: [number, number] = [0, 0];
  /** Skipping the rest of an over-long line. */
  private readonly skip: [boolean, boolean] = [false, false];
  private files = 0;

  constructor(private readonly ctx: FlowContext) {}

  data(dir: Dir, bytes: Uint8Array, ts: number): void {
    if (bytes.length === 0) return;
    let buf = this.line[dir];
    if (buf === null) buf = this.line[dir] = new Uint8Array(FTP_MAX_LINE);
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (c === 0x0a) {
        if (!this.skip[dir]) this.onLine(dir, lineText(buf, 0, this.len[dir]), ts);
        this.len[dir] = 0;
        this.skip[dir] = false;
        continue;
      }
      if (this.skip[dir]) continue;
      if (this.len[dir] >= FTP_MAX_LINE) {
        this.skip[dir] = true;
        this.ctx.anomaly('ftp.long-line', ts);
        continue;
      }
      buf[this.len[dir]++] = c;
    }
  }

  /** Lost bytes: the partial line is unusable. */
  gap(dir: Dir): void {
    this.len[dir] = 0;
    this.skip[dir] = true;
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
