// The CMS8000 behaviour (CISA ICSMA-25-030-01), with configurable addresses: after DHCP the
// boot script mounts an NFS share from a hard-coded address (portmapper GETPORT → MOUNT MNT →
// NFS GETATTR/LOOKUP/READ) and every HL7 message is also copied, in cleartext, to a second
// hard-coded address (TCP 515 by default). No DNS lookup precedes either: the addresses are
// literals in the firmware. File scenarios only: nothing here opens a socket.
import type { TcpConn } from '../tcp.js';
import type { Host } from '../wire.js';
import * as rpc from '../../decode/rpc/encode.js';
import { type Device, type Ward, WAN_RTT } from './net.js';

export interface BackdoorOptions {
  /** Address the NFS share is mounted from (default 202.114.4.119 in file scenarios). */
  readonly nfs: string;
  /** Address every HL7 message is copied to (default 202.114.4.120). */
  readonly hl7: string;
  readonly hl7Port: number;
  /** Remote path the boot script mounts. */
  readonly path?: string;
}

const MOUNTD_PORT = 20048;
const FILES: readonly [string, number][] = [
  ['start.sh', 1840],
  ['update.bin', 23_552],
];

export class Backdoor {
  private readonly nfsHost: Host;
  private readonly copyHost: Host;
  private copyConn: TcpConn | null = null;
  private nfsConn: TcpConn | null = null;
  private rootFh: Uint8Array = new Uint8Array(0);
  private xid: number;
  copies = 0;

  constructor(
    private readonly ward: Ward,
    private readonly dev: Device,
    private readonly opts: BackdoorOptions,
  ) {
    this.nfsHost = ward.outside(opts.nfs);
    this.copyHost = ward.outside(opts.hl7);
    this.xid = dev.rng.u32();
  }

  /** The boot-time mount and file reads; returns when the last read completes. */
  boot(t: number): number {
    const w = this.ward;
    const me = this.dev.host;
    const machine = this.dev.dhcp?.hostname ?? this.dev.name;
    // mount.nfs asks the portmapper where MOUNT and NFS live (UDP, as busybox mount does).
    let x = this.xid++;
    t = w.udpExchange(
      t,
      me,
      this.nfsHost,
      this.dev.ephemeral(),
      111,
      rpc.getportCall(x, rpc.MOUNT, 3, 17),
      rpc.getportReply(x, MOUNTD_PORT),
      WAN_RTT,
    );
    x = this.xid++;
    t = w.udpExchange(
      t + 200,
      me,
      this.nfsHost,
      this.dev.ephemeral(),
      111,
      rpc.getportCall(x, rpc.NFS, 3, 6),
      rpc.getportReply(x, 2049),
      WAN_RTT,
    );
    // MNT from a reserved port, as root-run mount does.
    x = this.xid++;
    this.rootFh = this.dev.rng.bytes(32);
    t = w.udpExchange(
      t + 200,
      me,
      this.nfsHost,
      800 + this.dev.rng.int(0, 200),
      MOUNTD_PORT,
      rpc.mntCall(x, this.opts.path ?? '/export/cms8000', machine),
      rpc.mntReply(x, this.rootFh),
      WAN_RTT,
    );
    // NFS over TCP 2049: attributes of the share, then each file looked up and read.
    const c = w.tcp(this.dev, this.nfsHost, 2049);
    this.nfsConn = c;
    t = c.connect(t + 500);
    x = this.xid++;
    t = c.exchange(
      t,
      true,
      rpc.recordMark(rpc.getattrCall(x, this.rootFh, machine)),
      rpc.recordMark(rpc.getattrReply(x, 4096, true)),
    );
    for (const [name, size] of FILES) {
      const fh = this.dev.rng.bytes(32);
      x = this.xid++;
      t = c.exchange(
        t,
        true,
        rpc.recordMark(rpc.lookupCall(x, this.rootFh, name, machine)),
        rpc.recordMark(rpc.lookupReply(x, fh, size)),
      );
      for (let off = 0; off < size; off += 8192) {
        const n = Math.min(8192, size - off);
        x = this.xid++;
        const data = this.dev.rng.bytes(n);
        t = c.exchange(
          t,
          true,
          rpc.recordMark(rpc.readCall(x, fh, off, n, machine)),
          rpc.recordMark(rpc.readReply(x, data, size, off + n >= size)),
        );
      }
    }
    return t;
  }

  /** The mounted share stays in use: a periodic GETATTR keeps the NFS session visible. */
  poll(t: number): number {
    if (!this.nfsConn?.open) return t;
    const x = this.xid++;
    const machine = this.dev.dhcp?.hostname ?? this.dev.name;
    return this.nfsConn.exchange(
      t,
      true,
      rpc.recordMark(rpc.getattrCall(x, this.rootFh, machine)),
      rpc.recordMark(rpc.getattrReply(x, 4096, true)),
    );
  }

  /** Copy one MLLP frame to the hard-coded receiver (connect on first use; no DNS, no ACK). */
  copy(t: number, frame: Uint8Array): number {
    if (!this.copyConn?.open) {
      this.copyConn = this.ward.tcp(this.dev, this.copyHost, this.opts.hl7Port);
      t = this.copyConn.connect(t);
    }
    this.copies++;
    return this.copyConn.send(t, true, frame);
  }
}
