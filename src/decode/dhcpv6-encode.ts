// DHCPv6 messages and options written (the tests' fixtures and the simulator): the mirror of
// decode/dhcpv6.ts for what it reads.
import { ascii, Bytes } from './bytes.js';
import { macBytes, parseIp6 } from '../net/addr.js';
import { OPT } from './dhcpv6.js';

export function dhcpv6Option(code: number, data: Uint8Array): Uint8Array {
  return new Bytes(data.length + 4).u16(code).u16(data.length).bytes(data).done();
}

export function dhcpv6Message(type: number, xid: number, options: readonly Uint8Array[]): Uint8Array {
  const w = new Bytes(256)
    .u8(type)
    .u8((xid >> 16) & 0xff)
    .u16(xid & 0xffff);
  for (const o of options) w.bytes(o);
  return w.done();
}

function mac(s: string): Uint8Array {
  const m = macBytes(s);
  if (m === null) throw new Error(`bad MAC ${s}`);
  return m;
}

function ip6(s: string): Uint8Array {
  const a = parseIp6(s);
  if (a === null) throw new Error(`bad IPv6 address ${s}`);
  return a;
}

/** DUID-LLT over Ethernet: type 1, hardware type 1, time (seconds since 2000), the MAC. */
export function duidLlt(m: string, time: number): Uint8Array {
  return new Bytes(14).u16(1).u16(1).u32(time).bytes(mac(m)).done();
}

export function duidLl(m: string): Uint8Array {
  return new Bytes(10).u16(3).u16(1).bytes(mac(m)).done();
}

export function duidEn(enterprise: number, id: Uint8Array): Uint8Array {
  return new Bytes(6 + id.length).u16(2).u32(enterprise).bytes(id).done();
}

export const clientId = (duid: Uint8Array) => dhcpv6Option(OPT.CLIENTID, duid);
export const serverId = (duid: Uint8Array) => dhcpv6Option(OPT.SERVERID, duid);

/** IA_NA with its IAADDRs (preferred and valid lifetimes as given). */
export function iaNa(iaid: number, addrs: readonly string[], lifetime = 3600): Uint8Array {
  const w = new Bytes(64)
    .u32(iaid)
    .u32(lifetime / 2)
    .u32((lifetime * 4) / 5);
  for (const a of addrs)
    w.bytes(dhcpv6Option(OPT.IAADDR, new Bytes(24).bytes(ip6(a)).u32(lifetime).u32(lifetime).done()));
  return dhcpv6Option(OPT.IA_NA, w.done());
}

/** Client FQDN (RFC 4704): flags, then the name in uncompressed wire format (fully qualified). */
export function clientFqdn(name: string, flags = 0x01): Uint8Array {
  const w = new Bytes(64).u8(flags);
  for (const l of name.split('.')) w.u8(l.length).ascii(l);
  return dhcpv6Option(OPT.CLIENT_FQDN, w.u8(0).done());
}

function opaque(w: Bytes, list: readonly string[]): Bytes {
  for (const s of list) {
    const b = ascii(s);
    w.u16(b.length).bytes(b);
  }
  return w;
}

export const vendorClass = (enterprise: number, data: readonly string[]) =>
  dhcpv6Option(OPT.VENDOR_CLASS, opaque(new Bytes(64).u32(enterprise), data).done());
export const userClass = (data: readonly string[]) => dhcpv6Option(OPT.USER_CLASS, opaque(new Bytes(64), data).done());

export function oro(codes: readonly number[]): Uint8Array {
  const w = new Bytes(codes.length * 2);
  for (const c of codes) w.u16(c);
  return dhcpv6Option(OPT.ORO, w.done());
}

/** RELAY-FORW (12) carrying `inner` from the client at `peer` on the link `link`. */
export function relayForw(hops: number, link: string, peer: string, inner: Uint8Array): Uint8Array {
  return new Bytes(inner.length + 40)
    .u8(12)
    .u8(hops)
    .bytes(ip6(link))
    .bytes(ip6(peer))
    .bytes(dhcpv6Option(OPT.RELAY_MSG, inner))
    .done();
}
