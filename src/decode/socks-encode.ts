// SOCKS 4/4a/5 messages as a client and a proxy write them (the simulator's proxied devices and
// the decoder's round-trip tests): the inverse of decode/socks.ts, message for message.
import { parseIp4, parseIp6 } from '../net/addr.js';
import { Bytes } from './bytes.js';

/** SOCKS4 request to an IPv4 address, or SOCKS4a (DSTIP 0.0.0.1 and the name) to a name. */
export function socks4Request(command: 1 | 2, host: string, port: number, userId = ''): Uint8Array {
  const w = new Bytes(16 + host.length + userId.length).u8(4).u8(command).u16(port);
  const ip = parseIp4(host);
  w.u32(ip ?? 1)
    .ascii(userId)
    .u8(0);
  if (ip === null) w.ascii(host).u8(0);
  return w.done();
}

/** SOCKS4 reply: VN 0, CD (90 granted), DSTPORT, DSTIP. */
export function socks4Reply(code: number, port = 0, ip = '0.0.0.0'): Uint8Array {
  return new Bytes(8)
    .u8(0)
    .u8(code)
    .u16(port)
    .u32(parseIp4(ip) ?? 0)
    .done();
}

export function socks5Greeting(methods: readonly number[]): Uint8Array {
  const w = new Bytes(2 + methods.length).u8(5).u8(methods.length);
  for (const m of methods) w.u8(m);
  return w.done();
}

export function socks5Choice(method: number): Uint8Array {
  return Uint8Array.of(5, method);
}

/** RFC 1929 username/password request. */
export function socks5Login(user: string, password: string): Uint8Array {
  const u = new TextEncoder().encode(user);
  const p = new TextEncoder().encode(password);
  return new Bytes(3 + u.length + p.length).u8(1).u8(u.length).bytes(u).u8(p.length).bytes(p).done();
}

export function socks5LoginReply(ok: boolean): Uint8Array {
  return Uint8Array.of(1, ok ? 0 : 1);
}

/** ATYP and address: IPv4 (1), IPv6 (4), or a name (3). */
function address(w: Bytes, host: string): void {
  const v4 = parseIp4(host);
  const v6 = v4 === null ? parseIp6(host) : null;
  if (v4 !== null) w.u8(1).u32(v4);
  else if (v6 !== null) w.u8(4).bytes(v6);
  else {
    const name = new TextEncoder().encode(host);
    w.u8(3).u8(name.length).bytes(name);
  }
}

/** SOCKS5 request: VER 5, CMD, RSV 0, the address, DST.PORT. */
export function socks5Request(command: 1 | 2 | 3, host: string, port: number): Uint8Array {
  const w = new Bytes(8 + host.length).u8(5).u8(command).u8(0);
  address(w, host);
  return w.u16(port).done();
}

/** SOCKS5 reply: VER 5, REP (0 succeeded), RSV 0, the bound address and port. */
export function socks5Reply(code: number, host = '0.0.0.0', port = 0): Uint8Array {
  const w = new Bytes(24).u8(5).u8(code).u8(0);
  address(w, host);
  return w.u16(port).done();
}
