// RTP/RTCP headers and the SDP media lines of SIP, on fixtures built with our writers: a commented
// hex RTP header, an RTCP compound walk, SDP at session and media level read out of a SIP INVITE,
// the same fields as tshark reads them, every truncated prefix, and a seeded fuzz.
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRtcp, decodeRtp } from '../../src/decode/rtp.js';
import { rtcpSenderReport, rtpPacket } from '../../src/decode/rtp-encode.js';
import { sdpMedia } from '../../src/decode/sdp.js';
import { decodeSip } from '../../src/decode/sip.js';
import { sipInvite, sipOk } from '../../src/decode/sip-encode.js';
import { DEV, SRV, tempPcap, udpPcap } from '../helpers/proto-pcap.js';
import { HAVE_TSHARK, tshark } from '../sim/tshark.js';
import { ascii, hex, mutate, rng } from './app-hex.js';

const RTP = rtpPacket({
  payloadType: 0,
  seq: 4660,
  timestamp: 160,
  ssrc: 0xdeadbeef,
  marker: true,
  payload: new Uint8Array(160),
});
const RTP_CSRC = rtpPacket({
  payloadType: 8,
  seq: 1,
  timestamp: 0,
  ssrc: 7,
  csrc: [1, 2],
  payload: new Uint8Array(20),
});
const RTCP = rtcpSenderReport(0xdeadbeef, 3_900_000_000, 8000, 50, 8000, 'bed12@ward');
const INVITE = sipInvite('pbx.ward.example', 'NurseCall Handset 2.4', { ip: '10.40.12.30', port: 40000 });
const OK = sipOk('Asterisk PBX 18', { ip: '10.40.12.5', port: 30000, mediaLevel: true });

describe('RTP and RTCP headers', () => {
  it('a commented RTP header: version, marker, payload type, sequence, timestamp, SSRC', () => {
    const b = hex(`
      80            # V=2, no padding, no extension, CC=0
      80            # marker, payload type 0 (PCMU)
      12 34         # sequence number 4660
      00 00 00 a0   # timestamp 160
      de ad be ef   # SSRC
    `);
    expect(RTP.subarray(0, 12)).toEqual(b);
    expect(decodeRtp(RTP, 0, RTP.length)).toEqual({
      kind: 'ok',
      rtp: { payloadType: 0, marker: true, seq: 4660, timestamp: 160, ssrc: 0xdeadbeef, csrcCount: 0 },
    });
    expect(decodeRtp(RTP_CSRC, 0, RTP_CSRC.length)).toMatchObject({
      kind: 'ok',
      rtp: { payloadType: 8, csrcCount: 2 },
    });
  });

  it('RTCP: a compound SR + SDES walked by its length words; RTCP is not RTP', () => {
    expect(decodeRtcp(RTCP, 0, RTCP.length)).toEqual({
      kind: 'ok',
      rtcp: { packetType: 200, ssrc: 0xdeadbeef, packets: 2 },
    });
    expect(decodeRtp(RTCP, 0, RTCP.length)).toEqual({ kind: 'not' });
    expect(decodeRtcp(RTP, 0, RTP.length)).toEqual({ kind: 'not' });
  });

  it('named anomalies: a short header, a CSRC list past the end, bad padding, an RTCP length overrun', () => {
    expect(decodeRtp(hex('80 00 00 01'), 0, 4)).toEqual({ kind: 'anomaly', code: 'rtp.truncated' });
    expect(decodeRtp(RTP_CSRC, 0, 16)).toEqual({ kind: 'anomaly', code: 'rtp.truncated' });
    const pad = RTP.slice();
    pad[0] = 0xa0;
    pad[pad.length - 1] = 0;
    expect(decodeRtp(pad, 0, pad.length)).toEqual({ kind: 'anomaly', code: 'rtp.bad-padding' });
    expect(decodeRtcp(RTCP, 0, 20)).toEqual({ kind: 'anomaly', code: 'rtcp.bad-length' });
    expect(decodeRtp(ascii('GET /'), 0, 5)).toEqual({ kind: 'not' });
  });
});

describe('SDP in SIP', () => {
  it('the INVITE offer (session-level c=) and the 200 OK answer (media-level c=)', () => {
    const inv = decodeSip(INVITE, 0, INVITE.length);
    expect(inv).toMatchObject({
      kind: 'ok',
      msg: {
        method: 'INVITE',
        userAgent: 'NurseCall Handset 2.4',
        media: [{ media: 'audio', ip: '10.40.12.30', port: 40000, proto: 'RTP/AVP' }],
      },
    });
    const ok = decodeSip(OK, 0, OK.length);
    expect(ok).toMatchObject({ kind: 'ok', msg: { status: 200, media: [{ ip: '10.40.12.5', port: 30000 }] } });
  });

  it('bounds and oddities: port 0 (a declined stream), names in c=, four media at most, IPv6 canonical', () => {
    const sdp = (s: string) => sdpMedia(ascii(s), 0, s.length);
    expect(sdp('v=0\r\nc=IN IP4 10.0.0.1\r\nm=audio 0 RTP/AVP 0\r\nm=video 5004 RTP/AVP 96\r\n')).toEqual([
      { media: 'video', ip: '10.0.0.1', port: 5004, proto: 'RTP/AVP' },
    ]);
    expect(sdp('c=IN IP4 pbx.example\r\nm=audio 4000 RTP/AVP 0\r\n')).toEqual([]);
    expect(sdp(`c=IN IP4 10.0.0.1\r\n${'m=audio 4000 RTP/AVP 0\r\n'.repeat(9)}`)).toHaveLength(4);
    expect(sdp('c=IN IP6 2001:DB8:0::1\nm=audio 4000 RTP/AVP 0\n')).toEqual([
      { media: 'audio', ip: '2001:db8::1', port: 4000, proto: 'RTP/AVP' },
    ]);
  });
});

describe.runIf(HAVE_TSHARK || process.env.CI === 'true')('tshark reads the same RTP, RTCP and SDP fields', () => {
  const cap = tempPcap(
    udpPcap([
      { from: DEV, to: SRV, sport: 5060, dport: 5060, payload: INVITE },
      { from: DEV, to: SRV, sport: 40000, dport: 30000, payload: RTP },
      { from: DEV, to: SRV, sport: 40001, dport: 30001, payload: RTCP },
    ]),
  );
  afterAll(cap.done);
  it('fields agree', () => {
    const FIELDS = [
      'sdp.media.port',
      'sdp.connection_info.address',
      'rtp.p_type',
      'rtp.seq',
      'rtp.ssrc',
      'rtp.marker',
      'rtcp.pt',
      'rtcp.senderssrc',
    ];
    const rows = tshark(cap.path, [
      '-d',
      'udp.port==40000,rtp',
      '-d',
      'udp.port==40001,rtcp',
      '-T',
      'fields',
      '-E',
      'separator=|',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ]).map((l) => Object.fromEntries(l.split('|').map((v, i) => [FIELDS[i], v])) as Record<string, string>);
    const inv = decodeSip(INVITE, 0, INVITE.length);
    const m = inv.kind === 'ok' ? inv.msg.media![0]! : undefined;
    expect([rows[0]!['sdp.media.port'], rows[0]!['sdp.connection_info.address']]).toEqual([String(m?.port), m?.ip]);
    const r = decodeRtp(RTP, 0, RTP.length);
    const h = r.kind === 'ok' ? r.rtp : undefined;
    expect(rows[1]).toMatchObject({
      'rtp.p_type': String(h?.payloadType),
      'rtp.seq': String(h?.seq),
      'rtp.ssrc': `0x${h?.ssrc.toString(16)}`,
      'rtp.marker': h?.marker ? '1' : '0',
    });
    const c = decodeRtcp(RTCP, 0, RTCP.length);
    expect(rows[2]!['rtcp.pt'].split(',')).toEqual(['200', '202']);
    expect(rows[2]!['rtcp.senderssrc']).toBe(`0x${c.kind === 'ok' ? c.rtcp.ssrc.toString(16) : ''}`);
    expect(
      tshark(cap.path, ['-d', 'udp.port==40000,rtp', '-d', 'udp.port==40001,rtcp', '-V']).filter((l) =>
        /Malformed|Exception/.test(l),
      ),
    ).toEqual([]);
  });
});

describe('robustness', () => {
  const ALL: readonly [string, Uint8Array, (b: Uint8Array) => { kind: string }][] = [
    ['rtp', RTP, (b) => decodeRtp(b, 0, b.length)],
    ['rtp-csrc', RTP_CSRC, (b) => decodeRtp(b, 0, b.length)],
    ['rtcp', RTCP, (b) => decodeRtcp(b, 0, b.length)],
    ['sip-sdp', INVITE, (b) => decodeSip(b, 0, b.length)],
  ];
  it.each(ALL.map(([name, bytes, fn]) => ({ name, bytes, fn })))(
    '$name: every truncated prefix decodes without throwing',
    ({ bytes, fn }) => {
      const kinds = new Set<string>();
      for (let n = 0; n < bytes.length; n++) kinds.add(fn(bytes.slice(0, n)).kind);
      expect(fn(bytes).kind).toBe('ok');
      expect(kinds.size).toBeGreaterThan(1);
    },
  );
  it('seeded fuzz: mutated packets and SDP bodies never throw', () => {
    const rnd = rng(0x7e7);
    const kinds = new Set<string>();
    for (let i = 0; i < 4000; i++) {
      const [, base, fn] = ALL[i % ALL.length]!;
      const b = mutate(base, rnd);
      const r = fn(b);
      expect(['ok', 'not', 'anomaly']).toContain(r.kind);
      kinds.add(r.kind);
      sdpMedia(b, 0, b.length);
    }
    expect([...kinds].sort()).toEqual(['anomaly', 'not', 'ok']);
  });
});
