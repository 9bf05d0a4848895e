// DNS query and response messages (RFC 1035) with A and CNAME records.
import { Bytes } from '../bytes.js';
import { parseIp4 } from '../../net/addr.js';

export interface DnsRr {
  readonly name: string;
  readonly type: 'A' | 'CNAME';
  readonly ttl: number;
  /** Dotted address for A, target name for CNAME. */
  readonly data: string;
}

function name(b: Bytes, n: string): void {
  for (const label of n.split('.')) {
    if (label.length === 0) continue;
    b.u8(label.length).ascii(label);
  }
  b.u8(0);
}

function header(b: Bytes, id: number, flags: number, qd: number, an: number): void {
  b.u16(id).u16(flags).u16(qd).u16(an).u16(0).u16(0);
}

export function dnsQuery(id: number, qname: string): Uint8Array {
  const b = new Bytes();
  header(b, id, 0x0100, 1, 0); // RD
  name(b, qname);
  b.u16(1).u16(1); // A, IN
  return b.done();
}

/** A response; an empty answer list with rcode 3 is NXDOMAIN. */
export function dnsResponse(id: number, qname: string, answers: readonly DnsRr[], rcode = 0): Uint8Array {
  const b = new Bytes();
  header(b, id, 0x8180 | rcode, 1, answers.length); // QR, RD, RA
  name(b, qname);
  b.u16(1).u16(1);
  for (const rr of answers) {
    // The question name sits at offset 12: point to it instead of repeating it.
    if (rr.name === qname) b.u16(0xc00c);
    else name(b, rr.name);
    b.u16(rr.type === 'A' ? 1 : 5)
      .u16(1)
      .u32(rr.ttl);
    if (rr.type === 'A')
      b.u16(4).u32(parseIp4(rr.data) ?? 0); // the simulator's own addresses: always dotted quads
    else {
      const fill = b.lengthField(2);
      name(b, rr.data);
      fill();
    }
  }
  return b.done();
}
