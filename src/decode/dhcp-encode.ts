// DHCP (RFC 2131/2132) DISCOVER/OFFER/REQUEST/ACK with the options device fingerprinting uses:
// 12 hostname, 60 vendor class, 55 parameter request list, 61 client id; and from the server
// 1 mask, 3 router, 6 DNS, 42 NTP, 15 domain, 51 lease, 54 server id.
import { Bytes } from './bytes.js';

export const DISCOVER = 1;
export const OFFER = 2;
export const REQUEST = 3;
export const ACK = 5;

export interface DhcpClientInfo {
  readonly mac: Uint8Array;
  readonly hostname?: string;
  readonly vendorClass?: string;
  readonly paramList: readonly number[];
}

export interface DhcpServerInfo {
  readonly serverIp: number;
  readonly mask: number;
  readonly router: number;
  readonly dns: number;
  readonly ntp: number;
  readonly domain: string;
  readonly leaseSec: number;
}

function fixed(b: Bytes, op: number, xid: number, mac: Uint8Array, yiaddr: number, siaddr: number): void {
  b.u8(op).u8(1).u8(6).u8(0).u32(xid).u16(0).u16(0x8000); // broadcast flag
  b.u32(0).u32(yiaddr).u32(siaddr).u32(0);
  b.bytes(mac).zeros(10); // chaddr padded to 16
  b.zeros(64 + 128); // sname, file
  b.u32(0x63825363); // magic cookie
}

function opt(b: Bytes, code: number, data: Uint8Array | number[]): void {
  b.u8(code)
    .u8(data.length)
    .bytes(data instanceof Uint8Array ? data : Uint8Array.from(data));
}

function u32b(v: number): number[] {
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
}

const enc = new TextEncoder();

/** DISCOVER or REQUEST from a client (REQUEST carries 50 requested address and 54 server id). */
export function dhcpClient(
  type: typeof DISCOVER | typeof REQUEST,
  xid: number,
  c: DhcpClientInfo,
  requested?: number,
  server?: number,
): Uint8Array {
  const b = new Bytes();
  fixed(b, 1, xid, c.mac, 0, 0);
  opt(b, 53, [type]);
  opt(b, 61, [1, ...c.mac]);
  if (requested !== undefined) opt(b, 50, u32b(requested));
  if (server !== undefined) opt(b, 54, u32b(server));
  if (c.hostname) opt(b, 12, enc.encode(c.hostname));
  if (c.vendorClass) opt(b, 60, enc.encode(c.vendorClass));
  opt(b, 55, [...c.paramList]);
  b.u8(255);
  b.zeros(Math.max(0, 300 - b.length)); // BOOTP minimum size
  return b.done();
}

/** OFFER or ACK from the server for address `yiaddr`. */
export function dhcpServer(
  type: typeof OFFER | typeof ACK,
  xid: number,
  mac: Uint8Array,
  yiaddr: number,
  s: DhcpServerInfo,
): Uint8Array {
  const b = new Bytes();
  fixed(b, 2, xid, mac, yiaddr, s.serverIp);
  opt(b, 53, [type]);
  opt(b, 54, u32b(s.serverIp));
  opt(b, 51, u32b(s.leaseSec));
  opt(b, 1, u32b(s.mask));
  opt(b, 3, u32b(s.router));
  opt(b, 6, u32b(s.dns));
  opt(b, 42, u32b(s.ntp));
  opt(b, 15, enc.encode(s.domain));
  b.u8(255);
  b.zeros(Math.max(0, 300 - b.length));
  return b.done();
}
