// Writers for NetBIOS name and datagram service messages (nbns.ts, dgm.ts): the simulator's
// printers, UPSs and consoles register their names and announce themselves with them.
import { Bytes } from '../bytes.js';
import { parseIp4 } from '../../net/addr.js';

/** A name first-level encoded (RFC 1001 §14.1) as a length-32 label and the root label. */
export function nbName(name: string, suffix: number): Uint8Array {
  const raw = new Uint8Array(16).fill(0x20);
  const n = name === '*' ? '*' : name.toUpperCase();
  for (let i = 0; i < Math.min(15, n.length); i++) raw[i] = n.charCodeAt(i) & 0xff;
  if (name === '*') raw.fill(0, 1, 15);
  raw[15] = suffix;
  const out = new Uint8Array(34);
  out[0] = 32;
  for (let i = 0; i < 16; i++) {
    out[1 + 2 * i] = 0x41 + (raw[i]! >> 4);
    out[2 + 2 * i] = 0x41 + (raw[i]! & 15);
  }
  return out;
}

function ip(b: Bytes, text: string): void {
  b.u32(parseIp4(text) ?? 0);
}

/** Name registration request (opcode 5, broadcast, RD): the name and the sender's address. */
export function nbnsRegistration(id: number, name: string, suffix: number, group: boolean, addr: string): Uint8Array {
  const b = new Bytes();
  b.u16(id).u16(0x2910).u16(1).u16(0).u16(0).u16(1);
  b.bytes(nbName(name, suffix)).u16(0x20).u16(1);
  b.u16(0xc00c)
    .u16(0x20)
    .u16(1)
    .u32(300000)
    .u16(6)
    .u16(group ? 0x8000 : 0);
  ip(b, addr);
  return b.done();
}

/** Name query request (broadcast). */
export function nbnsQuery(id: number, name: string, suffix: number): Uint8Array {
  const b = new Bytes();
  b.u16(id).u16(0x0110).u16(1).u16(0).u16(0).u16(0);
  return b.bytes(nbName(name, suffix)).u16(0x20).u16(1).done();
}

/** Positive name query response: `name` is at `addr`. */
export function nbnsQueryResponse(id: number, name: string, suffix: number, addr: string): Uint8Array {
  const b = new Bytes();
  b.u16(id).u16(0x8500).u16(0).u16(1).u16(0).u16(0);
  b.bytes(nbName(name, suffix)).u16(0x20).u16(1).u32(300000).u16(6).u16(0);
  ip(b, addr);
  return b.done();
}

/** Node status response: every name of the responder and its MAC. */
export function nbnsNodeStatus(
  id: number,
  names: readonly { name: string; suffix: number; group: boolean }[],
  mac: Uint8Array,
): Uint8Array {
  const b = new Bytes();
  b.u16(id).u16(0x8400).u16(0).u16(1).u16(0).u16(0);
  b.bytes(nbName('*', 0)).u16(0x21).u16(1).u32(0);
  b.u16(1 + 18 * names.length + 46).u8(names.length);
  for (const n of names) {
    const raw = new Uint8Array(15).fill(0x20);
    for (let i = 0; i < Math.min(15, n.name.length); i++) raw[i] = n.name.toUpperCase().charCodeAt(i);
    b.bytes(raw)
      .u8(n.suffix)
      .u16((n.group ? 0x8000 : 0) | 0x0400);
  }
  return b.bytes(mac.subarray(0, 6)).zeros(40).done();
}

export interface HostAnnouncementOpts {
  readonly server: string;
  readonly workgroup: string;
  readonly osMajor: number;
  readonly osMinor: number;
  readonly serverType: number;
  readonly comment: string;
  readonly sourceIp: string;
  /** 1 host announcement (to WORKGROUP<1d>), 12 domain announcement (to __MSBROWSE__<01>). */
  readonly opcode?: 1 | 12;
}

/** A broadcast datagram (138) carrying an SMB1 TRANSACTION to \MAILSLOT\BROWSE with a browser announcement. */
export function browserAnnouncement(o: HostAnnouncementOpts, id: number): Uint8Array {
  const opcode = o.opcode ?? 1;
  const ann = new Bytes();
  ann
    .u8(opcode)
    .u8(1)
    .bytes(le32(opcode === 1 ? 720000 : 900000));
  const nm = new Uint8Array(16);
  const nameField = opcode === 1 ? o.server : o.workgroup;
  for (let i = 0; i < Math.min(15, nameField.length); i++) nm[i] = nameField.toUpperCase().charCodeAt(i);
  ann.bytes(nm).u8(o.osMajor).u8(o.osMinor).bytes(le32(o.serverType)).u8(15).u8(1).u16(0x55aa);
  ann.ascii(opcode === 1 ? o.comment : o.server.toUpperCase()).u8(0);
  const data = ann.done();
  const slot = '\\MAILSLOT\\BROWSE';
  // SMB1 header (32) + word count 17 + 17 words + byte count + name + data.
  const smb = new Bytes();
  smb.u8(0xff).ascii('SMB').u8(0x25).zeros(4).u8(0).zeros(2).zeros(12).zeros(2).zeros(2).zeros(2).zeros(2);
  const wordsAt = 33;
  const bytesAt = wordsAt + 17 * 2 + 2;
  const dataOffset = bytesAt + slot.length + 1;
  const w = (v: number) => smb.bytes(le16(v));
  smb.u8(17);
  w(0); // total parameter count
  w(data.length); // total data count
  w(0);
  w(0);
  smb.u8(0).u8(0);
  w(0); // flags
  smb.bytes(le32(1000));
  w(0);
  w(0); // parameter count
  w(dataOffset); // parameter offset
  w(data.length); // data count
  w(dataOffset); // data offset
  smb.u8(3).u8(0); // setup count 3
  w(1); // opcode: write mail slot
  w(1); // priority
  w(2); // class: unreliable
  w(slot.length + 1 + data.length); // byte count
  smb.ascii(slot).u8(0).bytes(data);
  const user = smb.done();
  const src = nbName(o.server, 0x00);
  const dst = opcode === 1 ? nbName(o.workgroup, 0x1d) : nbName('\u0001\u0002__MSBROWSE__\u0002', 0x01);
  const b = new Bytes();
  b.u8(0x11).u8(0x0a).u16(id);
  ip(b, o.sourceIp);
  b.u16(138)
    .u16(src.length + dst.length + user.length)
    .u16(0);
  return b.bytes(src).bytes(dst).bytes(user).done();
}

function le16(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >> 8) & 0xff);
}
function le32(v: number): Uint8Array {
  return Uint8Array.of(v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff);
}
