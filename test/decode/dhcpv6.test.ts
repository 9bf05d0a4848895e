// DHCPv6 on fixtures built with our writer: a commented hex SOLICIT, every option read (DUIDs and
// the MAC in them, FQDN, vendor and user class, option request list, IA_NA addresses), relays
// unwrapped, the same fields as tshark reads them, every truncated prefix, and a seeded fuzz.
import { afterAll, describe, expect, it } from 'vitest';
import { decodeDhcpv6 } from '../../src/decode/dhcpv6.js';
import {
  clientFqdn,
  clientId,
  dhcpv6Message,
  duidEn,
  duidLl,
  duidLlt,
  iaNa,
  oro,
  relayForw,
  serverId,
  userClass,
  vendorClass,
} from '../../src/decode/dhcpv6-encode.js';
import { tempPcap, udp6Pcap } from '../helpers/proto-pcap.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { hex, mutate, rng } from './app-hex.js';

const MAC = '02:57:30:00:00:07';
const SOLICIT = dhcpv6Message(1, 0x1a2b3c, [
  clientId(duidLlt(MAC, 820_000_000)),
  clientFqdn('pump-77.ward.example'),
  vendorClass(40_000, ['InfusionOS 4.2']),
  userClass(['icu']),
  oro([23, 24, 39]),
  iaNa(7, []),
]);
const REPLY = dhcpv6Message(7, 0x1a2b3c, [
  clientId(duidLlt(MAC, 820_000_000)),
  serverId(duidEn(9, Uint8Array.of(1, 2, 3, 4))),
  iaNa(7, ['2001:db8:40::77']),
]);
const INFO = dhcpv6Message(11, 0x0000ff, [clientId(duidLl(MAC)), oro([23])]);
const RELAYED = relayForw(0, '2001:db8:40::1', 'fe80::57:30ff:fe00:7', SOLICIT);
const FIX = { SOLICIT, REPLY, INFO, RELAYED };

const ok = (b: Uint8Array) => {
  const r = decodeDhcpv6(b, 0, b.length);
  if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
  return r.msg;
};

describe('DHCPv6 decoder', () => {
  it('a commented INFORMATION-REQUEST: header, DUID-LL with its MAC, ORO', () => {
    const b = hex(`
      0b                  # msg-type 11 INFORMATION-REQUEST
      00 00 ff            # transaction id
      00 01 00 0a         # option 1 CLIENTID, length 10
      00 03 00 01         # DUID-LL, hardware type 1 (Ethernet)
      02 57 30 00 00 07   # link-layer address
      00 06 00 02 00 17   # option 6 ORO: 23 (DNS servers)
    `);
    expect(b).toEqual(INFO);
    expect(ok(b)).toEqual({
      msgType: 'INFORMATION-REQUEST',
      xid: 0xff,
      fromClient: true,
      clientDuid: { type: 3, hex: '0003' + '0001' + '025730000007', mac: MAC },
      serverDuid: undefined,
      fqdn: undefined,
      vendorClass: undefined,
      userClass: undefined,
      oro: [23],
      addresses: [],
      relayPeer: undefined,
    });
  });

  it('SOLICIT: DUID-LLT MAC, FQDN, vendor class, user class, ORO; REPLY: server DUID-EN and the IA_NA address', () => {
    expect(ok(SOLICIT)).toMatchObject({
      msgType: 'SOLICIT',
      xid: 0x1a2b3c,
      fromClient: true,
      clientDuid: { type: 1, mac: MAC },
      fqdn: 'pump-77.ward.example',
      vendorClass: { enterprise: 40_000, data: ['InfusionOS 4.2'] },
      userClass: ['icu'],
      oro: [23, 24, 39],
      addresses: [],
    });
    expect(ok(REPLY)).toMatchObject({
      msgType: 'REPLY',
      fromClient: false,
      serverDuid: { type: 2, enterprise: 9, hex: '00020000000901020304' },
      addresses: ['2001:db8:40::77'],
    });
  });

  it('RELAY-FORW is unwrapped to the client message, with the peer address', () => {
    expect(ok(RELAYED)).toMatchObject({
      msgType: 'SOLICIT',
      relayPeer: 'fe80::57:30ff:fe00:7',
      clientDuid: { mac: MAC },
    });
    let deep = SOLICIT;
    for (let i = 0; i < 9; i++) deep = relayForw(i, '2001:db8::1', 'fe80::1', deep);
    expect(decodeDhcpv6(deep, 0, deep.length)).toEqual({ kind: 'anomaly', code: 'dhcpv6.relay-depth' });
  });

  it('named anomalies and not-DHCPv6', () => {
    expect(decodeDhcpv6(hex('01 00 00 01 00 01 00 09 00'), 0, 9)).toEqual({
      kind: 'anomaly',
      code: 'dhcpv6.truncated',
    });
    expect(decodeDhcpv6(hex('01 00 00 01 00 01 00 01 00'), 0, 9)).toEqual({
      kind: 'anomaly',
      code: 'dhcpv6.bad-option',
    });
    expect(decodeDhcpv6(hex('00 00 00 01'), 0, 4)).toEqual({ kind: 'not' });
    expect(decodeDhcpv6(hex('63 82 53 63'), 0, 4)).toEqual({ kind: 'not' });
  });
});

describe.runIf(HAVE_TSHARK || process.env.CI === 'true')(
  'tshark reads the same DHCPv6 fields from the same bytes',
  () => {
    const cli = { fromMac: MAC, toMac: '33:33:00:01:00:02', src: 'fe80::57:30ff:fe00:7', dst: 'ff02::1:2' };
    const cap = tempPcap(
      udp6Pcap([
        { ...cli, sport: 546, dport: 547, payload: SOLICIT },
        {
          fromMac: '02:57:00:00:00:01',
          toMac: MAC,
          src: 'fe80::1',
          dst: cli.src,
          sport: 547,
          dport: 546,
          payload: REPLY,
        },
      ]),
    );
    afterAll(cap.done);
    const FIELDS = [
      'dhcpv6.msgtype',
      'dhcpv6.xid',
      'dhcpv6.duidllt.link_layer_addr',
      'dhcpv6.client_domain',
      'dhcpv6.vendorclass.enterprise',
      'dhcpv6.vendorclass.data',
      'dhcpv6.userclass.opaque_data',
      'dhcpv6.iaaddr.ip',
      'dhcpv6.duiden.enterprise',
    ] as const;
    it('SOLICIT and REPLY fields agree', () => {
      const rows = tshark(cap.path, ['-T', 'fields', '-E', 'separator=|', ...FIELDS.flatMap((f) => ['-e', f])]).map(
        (l) => Object.fromEntries(l.split('|').map((v, i) => [FIELDS[i], v])) as Record<string, string>,
      );
      expect(rows).toHaveLength(2);
      const s = ok(SOLICIT);
      const r = ok(REPLY);
      expect(rows[0]).toMatchObject({
        'dhcpv6.msgtype': '1',
        'dhcpv6.xid': `0x${s.xid.toString(16).padStart(6, '0')}`,
        'dhcpv6.duidllt.link_layer_addr': s.clientDuid!.mac,
        'dhcpv6.client_domain': `${s.fqdn}.`, // tshark prints the root label of a fully qualified name
        'dhcpv6.vendorclass.enterprise': String(s.vendorClass!.enterprise),
      });
      expect(rows[0]!['dhcpv6.vendorclass.data']).toBe(s.vendorClass!.data[0]);
      expect(Buffer.from(rows[0]!['dhcpv6.userclass.opaque_data']!.replace(/:/g, ''), 'hex').toString()).toBe(
        s.userClass![0],
      );
      expect(rows[1]).toMatchObject({
        'dhcpv6.msgtype': '7',
        'dhcpv6.iaaddr.ip': r.addresses[0],
        'dhcpv6.duiden.enterprise': String(r.serverDuid!.enterprise),
      });
      expect(tshark(cap.path, ['-V']).filter((l) => /Malformed|Exception/.test(l))).toEqual([]);
    });
  },
);

describe('robustness', () => {
  it.each(Object.entries(FIX).map(([name, bytes]) => ({ name, bytes })))(
    '$name: every truncated prefix is an anomaly or a shorter message, never a throw',
    ({ bytes }) => {
      const kinds = new Set<string>();
      for (let n = 0; n < bytes.length; n++) {
        const r = decodeDhcpv6(bytes.slice(0, n), 0, n);
        kinds.add(r.kind);
        if (r.kind === 'anomaly') expect(r.code).toMatch(/^dhcpv6\./);
      }
      expect(kinds).toContain('anomaly');
      expect(decodeDhcpv6(bytes, 0, bytes.length).kind).toBe('ok');
    },
  );

  it('seeded fuzz: mutated messages never throw and always give a result kind', () => {
    const rnd = rng(0x6d6);
    const all = Object.values(FIX);
    const kinds = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const b = mutate(all[i % all.length]!, rnd);
      const r = decodeDhcpv6(b, 0, b.length);
      expect(['ok', 'not', 'anomaly']).toContain(r.kind);
      kinds.add(r.kind);
    }
    expect([...kinds].sort()).toEqual(['anomaly', 'not', 'ok']);
  });
});
