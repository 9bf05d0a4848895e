// ONC-RPC (RFC 5531) calls and replies for portmapper GETPORT, MOUNT v3 MNT and NFS v3
// GETATTR/LOOKUP/READ — what the CMS8000 boot script's `mount` produces on the wire.
import { Bytes } from '../bytes.js';

export const PORTMAP = 100000;
export const NFS = 100003;
export const MOUNT = 100005;
export const PMAP_GETPORT = 3;
export const MOUNT_MNT = 1;
export const NFS_GETATTR = 1;
export const NFS_LOOKUP = 3;
export const NFS_READ = 6;

function opaque(b: Bytes, data: Uint8Array): void {
  b.u32(data.length).bytes(data);
  const pad = (4 - (data.length % 4)) % 4;
  if (pad) b.zeros(pad);
}

function str(b: Bytes, s: string): void {
  opaque(b, new TextEncoder().encode(s));
}

/** Call header; AUTH_UNIX credentials for MOUNT/NFS (as Linux mount does), AUTH_NULL for portmap. */
function callHeader(b: Bytes, xid: number, prog: number, vers: number, proc: number, machine?: string): void {
  b.u32(xid).u32(0).u32(2).u32(prog).u32(vers).u32(proc);
  if (machine === undefined) b.u32(0).u32(0);
  else {
    const cred = new Bytes();
    cred.u32(0); // stamp
    str(cred, machine);
    cred.u32(0).u32(0).u32(1).u32(0); // uid 0, gid 0, gids [0]
    b.u32(1);
    opaque(b, cred.done());
  }
  b.u32(0).u32(0); // verifier AUTH_NULL
}

function replyHeader(b: Bytes, xid: number): void {
  b.u32(xid).u32(1).u32(0).u32(0).u32(0).u32(0); // REPLY, MSG_ACCEPTED, AUTH_NULL verf, SUCCESS
}

/** Over TCP each RPC message is one record: a 4-byte mark (last fragment bit + length). */
export function recordMark(msg: Uint8Array): Uint8Array {
  const out = new Uint8Array(msg.length + 4);
  new DataView(out.buffer).setUint32(0, (0x80000000 | msg.length) >>> 0);
  out.set(msg, 4);
  return out;
}

export function getportCall(xid: number, prog: number, vers: number, proto: 6 | 17): Uint8Array {
  const b = new Bytes();
  callHeader(b, xid, PORTMAP, 2, PMAP_GETPORT);
  b.u32(prog).u32(vers).u32(proto).u32(0);
  return b.done();
}

export function getportReply(xid: number, port: number): Uint8Array {
  const b = new Bytes();
  replyHeader(b, xid);
  b.u32(port);
  return b.done();
}

export function mntCall(xid: number, path: string, machine: string): Uint8Array {
  const b = new Bytes();
  callHeader(b, xid, MOUNT, 3, MOUNT_MNT, machine);
  str(b, path);
  return b.done();
}

export function mntReply(xid: number, fh: Uint8Array): Uint8Array {
  const b = new Bytes();
  replyHeader(b, xid);
  b.u32(0); // MNT3_OK
  opaque(b, fh);
  b.u32(1).u32(1); // auth flavors: [AUTH_UNIX]
  return b.done();
}

function fattr3(b: Bytes, type: number, size: number, fileid: number): void {
  b.u32(type)
    .u32(type === 2 ? 0o755 : 0o644)
    .u32(1)
    .u32(0)
    .u32(0);
  b.u32(0).u32(size).u32(0).u32(size); // size, used (u64 each)
  b.u32(0).u32(0); // rdev
  b.u32(0).u32(0x0777); // fsid
  b.u32(0).u32(fileid);
  for (let i = 0; i < 3; i++) b.u32(1738224000).u32(0); // atime, mtime, ctime: 2025-01-30
}

export function getattrCall(xid: number, fh: Uint8Array, machine: string): Uint8Array {
  const b = new Bytes();
  callHeader(b, xid, NFS, 3, NFS_GETATTR, machine);
  opaque(b, fh);
  return b.done();
}

export function getattrReply(xid: number, size: number, isDir: boolean): Uint8Array {
  const b = new Bytes();
  replyHeader(b, xid);
  b.u32(0);
  fattr3(b, isDir ? 2 : 1, size, isDir ? 1 : 2);
  return b.done();
}

export function lookupCall(xid: number, dir: Uint8Array, name: string, machine: string): Uint8Array {
  const b = new Bytes();
  callHeader(b, xid, NFS, 3, NFS_LOOKUP, machine);
  opaque(b, dir);
  str(b, name);
  return b.done();
}

export function lookupReply(xid: number, fh: Uint8Array, size: number): Uint8Array {
  const b = new Bytes();
  replyHeader(b, xid);
  b.u32(0);
  opaque(b, fh);
  b.u32(1);
  fattr3(b, 1, size, 2);
  b.u32(0); // no dir attributes
  return b.done();
}

export function readCall(xid: number, fh: Uint8Array, offset: number, count: number, machine: string): Uint8Array {
  const b = new Bytes();
  callHeader(b, xid, NFS, 3, NFS_READ, machine);
  opaque(b, fh);
  b.u32(0).u32(offset).u32(count);
  return b.done();
}

export function readReply(xid: number, data: Uint8Array, fileSize: number, eof: boolean): Uint8Array {
  const b = new Bytes();
  replyHeader(b, xid);
  b.u32(0);
  b.u32(1);
  fattr3(b, 1, fileSize, 2);
  b.u32(data.length).u32(eof ? 1 : 0);
  opaque(b, data);
  return b.done();
}
