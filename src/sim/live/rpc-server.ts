// A tiny ONC-RPC responder standing in for the hard-coded NFS host in the lab: portmapper on
// UDP/TCP 111 (GETPORT: MOUNT → 20048, NFS → 2049), MOUNT MNT on UDP 20048, NFS GETATTR/
// LOOKUP/READ on TCP 2049. Enough for a capture to show the whole mount sequence.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type Server, type Socket } from 'node:net';
import * as rpc from '../../decode/rpc/encode.js';

export const MOUNTD_PORT = 20048;
const FH = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) & 255);

/** The answer to one call, or null for calls this responder does not serve. */
export function answer(call: Uint8Array): Uint8Array | null {
  if (call.length < 40) return null;
  const dv = new DataView(call.buffer, call.byteOffset, call.byteLength);
  const xid = dv.getUint32(0);
  if (dv.getUint32(4) !== 0) return null;
  const prog = dv.getUint32(12);
  const proc = dv.getUint32(20);
  let off = 24;
  for (let i = 0; i < 2; i++) {
    if (off + 8 > call.length) return null;
    off += 8 + ((dv.getUint32(off + 4) + 3) & ~3); // credentials, then verifier
  }
  if (prog === rpc.PORTMAP && proc === rpc.PMAP_GETPORT && off + 4 <= call.length) {
    const asked = dv.getUint32(off);
    return rpc.getportReply(xid, asked === rpc.MOUNT ? MOUNTD_PORT : asked === rpc.NFS ? 2049 : 0);
  }
  if (prog === rpc.MOUNT && proc === rpc.MOUNT_MNT) return rpc.mntReply(xid, FH);
  if (prog === rpc.NFS && proc === rpc.NFS_GETATTR) return rpc.getattrReply(xid, 4096, true);
  if (prog === rpc.NFS && proc === rpc.NFS_LOOKUP) return rpc.lookupReply(xid, FH, 1024);
  if (prog === rpc.NFS && proc === rpc.NFS_READ) return rpc.readReply(xid, new Uint8Array(1024), 1024, true);
  return null;
}

function tcpServer(host: string, port: number): Server {
  return createServer((s: Socket) => {
    let buf = new Uint8Array(0);
    s.on('data', (d: Buffer) => {
      const all = new Uint8Array(buf.length + d.length);
      all.set(buf);
      all.set(d, buf.length);
      buf = all;
      while (buf.length >= 4) {
        const len = new DataView(buf.buffer, buf.byteOffset).getUint32(0) & 0x7fffffff;
        if (len > 1 << 20) return s.destroy();
        if (buf.length < 4 + len) break;
        const reply = answer(buf.subarray(4, 4 + len));
        if (reply) s.write(rpc.recordMark(reply));
        buf = buf.slice(4 + len);
      }
    });
    s.on('error', () => s.destroy());
  }).listen(port, host);
}

function udpServer(host: string, port: number): UdpSocket {
  const s = createSocket('udp4');
  s.on('message', (m, from) => {
    const reply = answer(new Uint8Array(m));
    if (reply) s.send(reply, from.port, from.address);
  });
  s.bind(port, host);
  return s;
}

export interface RpcResponder {
  close(): Promise<void>;
}

export function startRpcResponder(host: string): RpcResponder {
  const tcp = [tcpServer(host, 111), tcpServer(host, 2049)];
  const udp = [udpServer(host, 111), udpServer(host, MOUNTD_PORT)];
  return {
    close: async () => {
      for (const u of udp) u.close();
      await Promise.all(tcp.map((t) => new Promise<void>((r) => t.close(() => r()))));
    },
  };
}
