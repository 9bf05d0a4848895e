// SNMP: v1/v2c/v3 messages from hex and from our BER writer (checked in tshark), the
// community's class only, the system group from responses, traps, prefixes and fuzz.
import { afterAll, describe, expect, it } from 'vitest';
import { pduOf, snmpCommunity, snmpV3, v1Trap, varbind } from '../../src/decode/snmp/encode.js';
import { decodeSnmp, SYS_DESCR, SYS_NAME, SYS_OBJECT_ID } from '../../src/decode/snmp/snmp.js';
import type { SnmpMessage } from '../../src/events.js';
import { IN_CI } from '../helpers/paths.js';
import { DEV, engineEvents, prefixesAndFuzz, SRV, tempPcap, udpPcap } from '../helpers/proto-pcap.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { hex, rng } from './app-hex.js';

const GET_PUBLIC = hex(`
  30 26                 # Message SEQUENCE
    02 01 01            # version 1 (v2c)
    04 06 7075626c6963  # community "public"
    a0 19               # GetRequest
      02 04 12345678    # request-id
      02 01 00          # error-status
      02 01 00          # error-index
      30 0b             # VarBindList
        30 09           # VarBind
          06 05 2b06010201  # 1.3.6.1.2.1 (truncated name, as walks start)
          05 00         # NULL
`);

const RESPONSE = snmpCommunity(
  1,
  'w4rd-s3cret',
  pduOf(0xa2, 7, [
    varbind(SYS_DESCR, { str: 'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153' }),
    varbind(SYS_OBJECT_ID, { oid: '1.3.6.1.4.1.11.2.3.9.1' }),
    varbind(SYS_NAME, { str: 'ward3-printer' }),
  ]),
);

describe('decodeSnmp', () => {
  it('v2c get with the default community: class public, the PDU kind', () => {
    expect(decodeSnmp(GET_PUBLIC, 0, GET_PUBLIC.length)).toEqual({
      kind: 'ok',
      info: { version: 'v2c', pdu: 'get', community: 'public' },
    });
  });

  it('a response carries sysDescr, sysObjectID and sysName; another community is "other" and never shown', () => {
    const r = decodeSnmp(RESPONSE, 0, RESPONSE.length);
    expect(r).toEqual({
      kind: 'ok',
      info: {
        version: 'v2c',
        pdu: 'response',
        community: 'other',
        sysDescr: 'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153',
        sysObjectId: '1.3.6.1.4.1.11.2.3.9.1',
        sysName: 'ward3-printer',
      },
    });
    expect(JSON.stringify(r)).not.toContain('s3cret');
  });

  it('v1 traps (enterprise-specific and generic), v1 private, v2c empty community', () => {
    const t = snmpCommunity(0, 'private', v1Trap('1.3.6.1.4.1.534', [10, 0, 0, 9], 6, 3, []));
    expect(decodeSnmp(t, 0, t.length)).toEqual({
      kind: 'ok',
      info: { version: 'v1', pdu: 'trap', community: 'private', trapOid: '1.3.6.1.4.1.534.0.3' },
    });
    const g = snmpCommunity(1, '', v1Trap('1.3.6.1.4.1.534', [10, 0, 0, 9], 2, 0, []));
    expect(decodeSnmp(g, 0, g.length)).toMatchObject({ info: { community: 'empty', trapOid: '1.3.6.1.6.3.1.1.5.3' } });
  });

  it('v3: a user name is present (never shown), plaintext scoped PDU read, encrypted PDU named', () => {
    const p = snmpV3('nurse-admin', pduOf(0xa2, 1, [varbind(SYS_NAME, { str: 'ups-2' })]));
    const r = decodeSnmp(p, 0, p.length);
    expect(r).toEqual({ kind: 'ok', info: { version: 'v3', pdu: 'response', v3User: true, sysName: 'ups-2' } });
    expect(JSON.stringify(r)).not.toContain('nurse');
    const e = snmpV3('u', pduOf(0xa0, 1, []), true);
    expect(decodeSnmp(e, 0, e.length)).toEqual({ kind: 'ok', info: { version: 'v3', pdu: 'encrypted', v3User: true } });
  });

  it('bad version and bad BER are named; not-SNMP is not', () => {
    const v = GET_PUBLIC.slice();
    v[4] = 2;
    expect(decodeSnmp(v, 0, v.length)).toEqual({ kind: 'anomaly', code: 'snmp.bad-version' });
    const l = GET_PUBLIC.slice();
    l[1] = 0x7f;
    expect(decodeSnmp(l, 0, l.length)).toEqual({ kind: 'anomaly', code: 'snmp.bad-ber' });
    expect(decodeSnmp(Uint8Array.of(0x16, 3, 1), 0, 3)).toEqual({ kind: 'not' });
  });

  it('no proper prefix decodes ok; prefixes and 3000 mutations never throw', () => {
    for (const base of [GET_PUBLIC, RESPONSE]) {
      for (let i = 0; i < base.length; i++) expect(decodeSnmp(base, 0, i).kind).not.toBe('ok');
      prefixesAndFuzz(base, (b) => decodeSnmp(b, 0, b.length), rng(161), 3000);
    }
  });
});

describe('SNMP end to end', () => {
  const tmp = tempPcap(
    udpPcap([
      { from: SRV, to: DEV, sport: 50000, dport: 161, payload: GET_PUBLIC },
      { from: DEV, to: SRV, sport: 161, dport: 50000, payload: RESPONSE },
    ]),
  );
  afterAll(() => tmp.done());

  it('engine: request and response, the response names the printer', async () => {
    const { events, apps } = await engineEvents(tmp.path);
    const s = events.filter((e): e is SnmpMessage => e.type === 'snmp-message');
    expect(apps.snmp).toBe(2);
    expect(s.map((e) => [e.src.ip, e.pdu, e.community])).toEqual([
      ['10.40.12.5', 'get', 'public'],
      ['10.40.12.30', 'response', 'other'],
    ]);
    expect(s[1]).toMatchObject({ sysName: 'ward3-printer', sysObjectId: '1.3.6.1.4.1.11.2.3.9.1' });
  });

  it.skipIf(!HAVE_TSHARK && !IN_CI)('tshark reads the same version, community, PDU and values from our writer', () => {
    const rows = tshark(tmp.path, [
      '-T',
      'fields',
      '-E',
      'separator=|',
      '-e',
      'snmp.version',
      '-e',
      'snmp.community',
      '-e',
      'snmp.data',
      '-e',
      'snmp.name',
      '-e',
      'snmp.value.octets',
      '-e',
      'snmp.value.oid',
    ]);
    expect(rows[0]).toBe('1|public|0|1.3.6.1.2.1||');
    const [version, community, data, names, , oid] = rows[1]!.split('|');
    expect([version, community, data, oid]).toEqual(['1', 'w4rd-s3cret', '2', '1.3.6.1.4.1.11.2.3.9.1']);
    expect(names!.split(',')).toEqual([SYS_DESCR, SYS_OBJECT_ID, SYS_NAME]);
  });
});
