// The CMS8000's boot-time mount, live: portmapper GETPORT for MOUNT (UDP 111), MOUNT MNT of
// the remote path (UDP, the port the portmapper gave), then NFS GETATTR over TCP 2049.
// Every step has a timeout; a silent or absent server is reported, never thrown.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import * as rpc from '../../decode/rpc/encode.js';

function udpCall(
  host: string,
  port: number,
  msg: Uint8Array,
  localAddress: string | undefined,
  timeoutMs: number,
): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    const done = (v: Uint8Array | null): void => {
      clearTimeout(timer);
      s.close();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    s.on('error', () => done(null));
    s.on('message', (m) => done(new Uint8Array(m)));
    s.bind({ address: localAddress, port: 0 }, () => s.send(msg, port, host));
  });
}

function tcpCall(
  host: string,
  port: number,
  msg: Uint8Array,
  localAddress: string | undefined,
  timeoutMs: number,
): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const s = connect({ host, port, localAddress });
    const timer = setTimeout(() => done(null), timeoutMs);
    const done = (v: Uint8Array | null): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    s.on('error', () => done(null));
    s.on('connect', () => s.write(rpc.recordMark(msg)));
    s.on('data', (d: Buffer) => done(new Uint8Array(d)));
  });
}

/** Accepted-reply body offset (after xid, type, reply_stat, verifier, accept_stat), or -1. */
function replyBody(b: Uint8Array | null, xid: number): DataView | null {
  if (!b || b.length < 24) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (dv.getUint32(0) !== xid || dv.getUint32(4) !== 1 || dv.getUint32(8) !== 0) return null;
  const verfLen = dv.getUint32(16);
  const off = 20 + verfLen;
  if (off + 4 > b.length || dv.getUint32(off) !== 0) return null;
  return new DataView(b.buffer, b.byteOffset + off + 4, b.byteLength - off - 4);
}

export async function nfsBoot(
  host: string,
  path: string,
  machine: string,
  localAddress: string | undefined,
  log: (line: string) => void,
  timeoutMs = 2000,
): Promise<{ mountPort?: number; mounted: boolean; getattr: boolean }> {
  let xid = (Date.now() & 0xffffff) >>> 0;
  const out: { mountPort?: number; mounted: boolean; getattr: boolean } = { mounted: false, getattr: false };
  const gp = replyBody(
    await udpCall(host, 111, rpc.getportCall(++xid, rpc.MOUNT, 3, 17), localAddress, timeoutMs),
    xid,
  );
  const mountPort = gp && gp.byteLength >= 4 ? gp.getUint32(0) : 0;
  log(`nfs: portmap GETPORT MOUNT at ${host}:111 -> ${mountPort || 'no answer'}`);
  if (!mountPort) return out;
  out.mountPort = mountPort;
  const mnt = replyBody(
    await udpCall(host, mountPort, rpc.mntCall(++xid, path, machine), localAddress, timeoutMs),
    xid,
  );
  let fh = new Uint8Array(0);
  if (mnt && mnt.byteLength >= 8 && mnt.getUint32(0) === 0) {
    const len = Math.min(64, mnt.getUint32(4), mnt.byteLength - 8);
    fh = new Uint8Array(mnt.buffer, mnt.byteOffset + 8, len).slice();
    out.mounted = true;
  }
  log(`nfs: MOUNT MNT ${path} -> ${out.mounted ? 'mounted' : 'failed'}`);
  if (!out.mounted) return out;
  const ga = await tcpCall(host, 2049, rpc.getattrCall(++xid, fh, machine), localAddress, timeoutMs);
  out.getattr = replyBody(ga ? ga.subarray(4) : null, xid) !== null;
  log(`nfs: NFS GETATTR over TCP 2049 -> ${out.getattr ? 'ok' : 'no answer'}`);
  return out;
}
