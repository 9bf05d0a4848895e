// NTP: a commented hex fixture, our writer checked field by field in tshark, the shared
// ntp.pcap against tshark's reading of it, truncated prefixes and a seeded fuzz.
import { afterAll, describe, expect, it } from 'vitest';
import { encodeNtp } from '../../src/decode/ntp/encode.js';
import { decodeNtp } from '../../src/decode/ntp/ntp.js';
import type { NtpMessage } from '../../src/events.js';
import { capture, IN_CI } from '../helpers/paths.js';
import { DEV, engineEvents, OUT, prefixesAndFuzz, tempPcap, udpPcap } from '../helpers/proto-pcap.js';
import { hex, rng } from './app-hex.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';

const SERVER_REPLY = hex(`
  24            # LI 0, VN 4, mode 4 (server)
  01            # stratum 1
  03            # poll 2^3
  e9            # precision
  00000000      # root delay
  00000010      # root dispersion
  47505300      # reference id 'GPS\\0'
  e2b2c5e800000000  # reference timestamp
  0000000000000000  # origin
  e2b2c5e900000000  # receive
  e2b2c5ea80000000  # transmit
`);

describe('decodeNtp', () => {
  it('reads a stratum-1 server reply field by field', () => {
    const r = decodeNtp(SERVER_REPLY, 0, SERVER_REPLY.length);
    expect(r).toEqual({
      kind: 'ok',
      packet: { leap: 0, version: 4, mode: 'server', stratum: 1, poll: 3, refId: 'GPS', transmitSecs: 0xe2b2c5ea },
    });
  });

  it('shows a stratum-2 reference id as the upstream IPv4 address (hex over IPv6)', () => {
    const p = encodeNtp({ mode: 4, stratum: 2, refId: Uint8Array.of(192, 0, 2, 7) });
    expect(decodeNtp(p, 0, p.length)).toMatchObject({ packet: { refId: '192.0.2.7', stratum: 2 } });
    expect(decodeNtp(p, 0, p.length, true)).toMatchObject({ packet: { refId: 'c0000207' } });
  });

  it('names short and bad-version datagrams, recognises control (mode 6) by its first byte', () => {
    expect(decodeNtp(SERVER_REPLY, 0, 47)).toEqual({ kind: 'anomaly', code: 'ntp.truncated' });
    expect(decodeNtp(Uint8Array.of(0x3c, 0, 0, 0), 0, 4)).toEqual({ kind: 'anomaly', code: 'ntp.bad-version' });
    expect(decodeNtp(Uint8Array.of(0x16, 0x02, 0, 1), 0, 4)).toMatchObject({
      kind: 'ok',
      packet: { mode: 'control', version: 2 },
    });
    expect(decodeNtp(new Uint8Array(0), 0, 0)).toEqual({ kind: 'not' });
  });

  it('every prefix and 2000 mutations decode without throwing; prefixes under 48 bytes are never ok', () => {
    for (let i = 1; i < 48; i++) expect(decodeNtp(SERVER_REPLY.subarray(0, i), 0, i).kind).not.toBe('ok');
    const n = prefixesAndFuzz(SERVER_REPLY, (b) => decodeNtp(b, 0, b.length), rng(123));
    expect(n).toBe(SERVER_REPLY.length + 1 + 2000);
  });
});

describe('NTP end to end', () => {
  it('ntp.pcap: 12 packets, client mode 3 stratum 0, server mode 4 stratum 1 refid GPSs (tshark: 47505373)', async () => {
    const { events, apps } = await engineEvents(capture('ntp.pcap'));
    const ntp = events.filter((e): e is NtpMessage => e.type === 'ntp-message');
    expect(apps.ntp).toBe(12);
    expect(ntp.filter((e) => e.mode === 'client').every((e) => e.stratum === 0 && e.version === 4)).toBe(true);
    const servers = ntp.filter((e) => e.mode === 'server');
    expect(servers).toHaveLength(6);
    expect(new Set(servers.map((e) => e.refId))).toEqual(new Set(['GPSs']));
    expect(new Set(servers.map((e) => e.src.ip))).toEqual(new Set(['17.253.4.253', '17.253.4.125', '17.253.26.253']));
    const ends = events.filter((e) => e.type === 'flow-end');
    expect(ends.map((e) => e.app)).toEqual(Array(6).fill('ntp'));
  });

  const tmp = tempPcap(
    udpPcap([
      { from: DEV, to: OUT, sport: 123, dport: 123, payload: encodeNtp({ mode: 3, version: 3 }) },
      {
        from: OUT,
        to: DEV,
        sport: 123,
        dport: 123,
        payload: encodeNtp({ mode: 4, stratum: 2, poll: 10, refId: Uint8Array.of(198, 51, 100, 9) }),
      },
    ]),
  );
  afterAll(() => tmp.done());

  it.skipIf(!HAVE_TSHARK && !IN_CI)(
    'our writer: tshark reads the same version, mode, stratum and reference id',
    async () => {
      const rows = tshark(tmp.path, [
        '-T',
        'fields',
        '-E',
        'separator=,',
        '-e',
        'ntp.flags.vn',
        '-e',
        'ntp.flags.mode',
        '-e',
        'ntp.stratum',
        '-e',
        'ntp.refid',
      ]);
      // tshark prints the reference id as 8 hex digits: c6336409 is 198.51.100.9.
      expect(rows).toEqual(['3,3,0,00000000', '4,4,2,c6336409']);
      const { events } = await engineEvents(tmp.path);
      const ntp = events.filter((e): e is NtpMessage => e.type === 'ntp-message');
      expect(ntp.map((e) => `${e.version},${e.mode},${e.stratum},${e.refId ?? ''}`)).toEqual([
        '3,client,0,',
        '4,server,2,198.51.100.9',
      ]);
    },
  );
});
