// Arguments and results of the RPC procedures wardwatch cares about: portmapper GETPORT/DUMP
// (RFC 1833 §3–4, v2 "pmap" and v3/v4 "rpcbind" GETADDR/DUMP), MOUNT MNT/UMNT (RFC 1813
// appendix I, RFC 1094 appendix A), NFS v2/v3 directory operations (the file name as `path`)
// and the first operation of an NFSv4 COMPOUND. Every read is bounded by `end`.

import { PROG_MOUNT, PROG_NFS, PROG_PORTMAP, nfs4OpName } from './names.js';
import { u32 } from './rpc.js';

/** MOUNT dirpath is string<MNTPATHLEN = 1024>; NFS filename3 has no XDR bound, servers use 255. */
const MAX_PATH = 1024;
const MAX_DUMP = 256;
const utf8 = new TextDecoder('utf-8');

export interface RpcCallInfo {
  /** MOUNT MNT/UMNT directory, or the NFS file name of a directory operation. */
  readonly path?: string;
  /** Portmapper GETPORT/GETADDR: the program, version and transport asked about. */
  readonly lookupProg?: number;
  readonly lookupVers?: number;
  readonly lookupProto?: 'tcp' | 'udp';
  /** NFSv4 COMPOUND: the first operation's name. */
  readonly firstOp?: string;
  /** NFS v2/v3: the file handle the call starts with (hex), to tie it to the MOUNT that handed it out. */
  readonly fh?: string;
}

export interface RpcMapping {
  readonly prog: number;
  readonly vers: number;
  readonly proto: 'tcp' | 'udp' | 'other';
  readonly port: number;
}

export interface RpcResultInfo {
  /** The procedure's own status word (mountstat3, fhstatus, nfsstat), when it has one. */
  readonly status?: number;
  /** Portmapper GETPORT/GETADDR answer (0 = not registered). */
  readonly port?: number;
  /** Portmapper DUMP: the registrations listed (at most MAX_DUMP). */
  readonly mappings?: readonly RpcMapping[];
  /** The file handle handed out (hex): MOUNT MNT's root of the export, NFS LOOKUP's object. */
  readonly fh?: string;
}

/** NFS v2 handles are a fixed 32 bytes (RFC 1094 §2.3.3); v3 nfs_fh3 and fhandle3 are opaque<64>. */
const FHSIZE2 = 32;
const FHSIZE3 = 64;
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hexOf(b: Uint8Array, o: number, n: number): string {
  let s = '';
  for (let i = o; i < o + n; i++) s += HEX[b[i]!];
  return s;
}

/** The file handle at o (v2 fixed, else opaque<64>), as hex; undefined when it does not fit. */
function handleAt(vers: number, b: Uint8Array, o: number, end: number): string | undefined {
  if (vers === 2 || vers === 1) return o + FHSIZE2 <= end ? hexOf(b, o, FHSIZE2) : undefined;
  if (o + 4 > end) return undefined;
  const len = u32(b, o);
  if (len === 0 || len > FHSIZE3 || o + 4 + len > end) return undefined;
  return hexOf(b, o + 4, len);
}

/** NFS v2 procedures that start with a file handle: all but NULL, ROOT and WRITECACHE. */
function startsWithHandle(vers: number, proc: number): boolean {
  if (vers === 2) return proc >= 1 && proc <= 17 && proc !== 3 && proc !== 7;
  return vers === 3 && proc >= 1 && proc <= 21;
}

/** An XDR string<max> at o: [text, next offset], or undefined when it does not fit. */
function xdrString(b: Uint8Array, o: number, end: number, max: number): [string, number] | undefined {
  if (o + 4 > end) return undefined;
  const len = u32(b, o);
  if (len > max || o + 4 + len > end) return undefined;
  return [utf8.decode(b.subarray(o + 4, o + 4 + len)), o + 4 + ((len + 3) & ~3)];
}

/** Skip an XDR opaque<max> (v3 file handles: nfs_fh3 is opaque<64>). */
function skipOpaque(b: Uint8Array, o: number, end: number, max: number): number {
  if (o + 4 > end) return -1;
  const len = u32(b, o);
  const next = o + 4 + ((len + 3) & ~3);
  return len > max || next > end ? -1 : next;
}

function protoName(p: number): 'tcp' | 'udp' | 'other' {
  return p === 6 ? 'tcp' : p === 17 ? 'udp' : 'other';
}

function netidProto(netid: string): 'tcp' | 'udp' | 'other' {
  return netid.startsWith('tcp') ? 'tcp' : netid.startsWith('udp') ? 'udp' : 'other';
}

/** v2 diropargs procedures: LOOKUP CREATE REMOVE RENAME SYMLINK MKDIR RMDIR; LINK has a file handle first. */
const NFS2_DIROP = new Set([4, 9, 10, 11, 13, 14, 15]);
/** v3: LOOKUP CREATE MKDIR SYMLINK MKNOD REMOVE RMDIR RENAME; LINK (15) has a file handle first. */
const NFS3_DIROP = new Set([3, 8, 9, 10, 11, 12, 13, 14]);

export function decodeCallArgs(
  prog: number,
  vers: number,
  proc: number,
  b: Uint8Array,
  o: number,
  end: number,
): RpcCallInfo {
  if (end > b.length) end = b.length;
  if (prog === PROG_PORTMAP) {
    if (proc !== 3 || o + 8 > end) return {};
    if (vers === 2) {
      if (o + 12 > end) return { lookupProg: u32(b, o), lookupVers: u32(b, o + 4) };
      const proto = protoName(u32(b, o + 8));
      return { lookupProg: u32(b, o), lookupVers: u32(b, o + 4), ...(proto !== 'other' ? { lookupProto: proto } : {}) };
    }
    // rpcbind v3/v4 GETADDR: rpcb { prog, vers, netid, addr, owner }
    const netid = xdrString(b, o + 8, end, 64);
    const proto = netid ? netidProto(netid[0]) : 'other';
    return { lookupProg: u32(b, o), lookupVers: u32(b, o + 4), ...(proto !== 'other' ? { lookupProto: proto } : {}) };
  }
  if (prog === PROG_MOUNT) {
    if (proc !== 1 && proc !== 3) return {};
    const s = xdrString(b, o, end, MAX_PATH);
    return s ? { path: s[0] } : {};
  }
  if (prog === PROG_NFS) return nfsArgs(vers, proc, b, o, end);
  return {};
}

function nfsArgs(vers: number, proc: number, b: Uint8Array, o: number, end: number): RpcCallInfo {
  const fh = startsWithHandle(vers, proc) ? handleAt(vers, b, o, end) : undefined;
  const named = nfsName(vers, proc, b, o, end);
  if (fh === undefined) return named;
  return named.path !== undefined ? { path: named.path, fh } : { fh };
}

function nfsName(vers: number, proc: number, b: Uint8Array, o: number, end: number): RpcCallInfo {
  let p = -1;
  if (vers === 2 && (NFS2_DIROP.has(proc) || proc === 12)) {
    // fhandle is a fixed 32 bytes in v2; LINK carries the source handle before the diropargs.
    p = o + (proc === 12 ? 64 : 32);
  } else if (vers === 3 && (NFS3_DIROP.has(proc) || proc === 15)) {
    p = skipOpaque(b, o, end, 64);
    if (proc === 15 && p >= 0) p = skipOpaque(b, p, end, 64);
  } else if (vers === 4 && proc === 1) {
    // COMPOUND4args: tag (utf8str_cs), minorversion, argarray<> of { opnum, … }
    const tag = skipOpaque(b, o, end, 1024);
    if (tag < 0 || tag + 12 > end || u32(b, tag + 4) === 0) return {};
    const name = nfs4OpName(u32(b, tag + 8));
    return name ? { firstOp: name } : {};
  }
  if (p < 0) return {};
  const s = xdrString(b, p, end, MAX_PATH);
  return s ? { path: s[0] } : {};
}

export function decodeReplyResult(
  prog: number,
  vers: number,
  proc: number,
  b: Uint8Array,
  o: number,
  end: number,
): RpcResultInfo {
  if (end > b.length) end = b.length;
  if (prog === PROG_PORTMAP) {
    if (proc === 3) {
      if (vers === 2) return o + 4 <= end ? { port: u32(b, o) } : {};
      const s = xdrString(b, o, end, 128);
      return s ? { port: uaddrPort(s[0]) } : {};
    }
    if (proc === 4) return { mappings: dump(vers, b, o, end) };
    return {};
  }
  // Every MOUNT MNT reply (fhstatus v1, mountres3 v3) and every NFS v2/v3/v4 result except
  // NULL (and v2 ROOT/WRITECACHE, which are void) starts with a status word.
  const hasStatus =
    (prog === PROG_MOUNT && proc === 1) ||
    (prog === PROG_NFS && proc !== 0 && !(vers === 2 && (proc === 3 || proc === 7)));
  if (!hasStatus || o + 4 > end) return {};
  const status = u32(b, o);
  // fhstatus (MOUNT v1/v2) / mountres3 and diropres (v2 LOOKUP) / LOOKUP3resok: the handle follows OK.
  const handsOut = (prog === PROG_MOUNT && proc === 1) || (prog === PROG_NFS && proc === (vers === 2 ? 4 : 3));
  const fh =
    status === 0 && handsOut && vers <= 3
      ? handleAt(prog === PROG_MOUNT && vers < 3 ? 2 : vers, b, o + 4, end)
      : undefined;
  return fh === undefined ? { status } : { status, fh };
}

/**
 * Port from an rpcbind universal address (RFC 5665 §5.2.3.3): "h1.h2.h3.h4.p1.p2" for IPv4,
 * "x:…:y.p1.p2" for IPv6; port = p1 * 256 + p2. Empty string = not registered (0).
 */
export function uaddrPort(uaddr: string): number {
  const last = uaddr.lastIndexOf('.');
  const prev = last > 0 ? uaddr.lastIndexOf('.', last - 1) : -1;
  if (prev < 0) return 0;
  const hi = Number(uaddr.slice(prev + 1, last));
  const lo = Number(uaddr.slice(last + 1));
  if (!Number.isInteger(hi) || !Number.isInteger(lo) || hi < 0 || hi > 255 || lo < 0 || lo > 255) return 0;
  return hi * 256 + lo;
}

/** DUMP: a linked list, each entry preceded by a "value follows" boolean. */
function dump(vers: number, b: Uint8Array, o: number, end: number): RpcMapping[] {
  const out: RpcMapping[] = [];
  while (out.length < MAX_DUMP && o + 4 <= end && u32(b, o) === 1) {
    o += 4;
    if (vers === 2) {
      if (o + 16 > end) break;
      out.push({
        prog: u32(b, o),
        vers: u32(b, o + 4),
        proto: protoName(u32(b, o + 8)),
        port: u32(b, o + 12) & 0xffff,
      });
      o += 16;
      continue;
    }
    if (o + 8 > end) break;
    const prog = u32(b, o);
    const v = u32(b, o + 4);
    const netid = xdrString(b, o + 8, end, 64);
    const addr = netid && xdrString(b, netid[1], end, 128);
    const owner = addr && xdrString(b, addr[1], end, 256);
    if (!netid || !addr || !owner) break;
    out.push({ prog, vers: v, proto: netidProto(netid[0]), port: uaddrPort(addr[0]) });
    o = owner[1];
  }
  return out;
}
